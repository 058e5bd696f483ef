// What compiling one syntax node yields: its static type and the closure computing its value.
import type { Span } from './errors.ts';
import type { TimeZone } from './time.ts';
import type { XType } from './types.ts';

export type Rec = Record<string, unknown>;
export type Fn = (record: Rec) => unknown;

export interface Compiled {
  type: XType;
  fn: Fn;
  span: Span;
  /** Set when the value is known at compile time (then `fn` returns it). */
  constant?: { value: unknown };
}

export interface CompileContext {
  zone: TimeZone;
  dynamic: boolean;
}

export function constant(type: XType, value: unknown, span: Span): Compiled {
  return { type, fn: () => value, span, constant: { value } };
}
