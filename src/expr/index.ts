// The expression language: compile an expression once (at config load) into a closure tree.
// See docs/functions.md for the syntax and the built-in functions.
import { StageError } from '../core/errors.ts';
import type { LogicalType } from '../core/types.ts';
import { identity, toPlain } from './cast.ts';
import { compileNode } from './compile.ts';
import { ExprError } from './errors.ts';
import { functionTable } from './functions/index.ts';
import { parse } from './parser.ts';
import { timeZone } from './time.ts';
import { typeName, UNKNOWN } from './types.ts';

export { ExprError } from './errors.ts';
export { compileTimeFormat, type TimeFormat } from './time.ts';

export interface ExprScope {
  /** typed mode: every field the expression may reference, with its logical type; values arrive in the
   *  Row runtime form of src/core/record.ts (BIGINT bigint, DECIMAL unscaled bigint, TIMESTAMP micros number,
   *  DATE days number, ...). Unknown fields are a compile error with a suggestion. */
  fields?: ReadonlyMap<string, LogicalType>;
  /** dynamic mode (derive over parsed records before the formatter): any field name, values are plain
   *  parsed-JSON values (number, bigint for big integers, string, boolean, null, arrays, objects). */
  dynamic?: boolean;
  /** Session time zone (IANA name or ±HH:mm) for TIMESTAMP_LTZ, now(), from_unixtime, ...; default UTC. */
  timezone?: string;
}

export interface CompiledExpr {
  evaluate(record: Record<string, unknown>): unknown;
  /** Static result type; kind may be 'UNKNOWN' in dynamic mode when it cannot be known */
  type: LogicalType | { kind: 'UNKNOWN'; nullable: true };
  /** Top-level field names referenced. */
  fields: string[];
}

/** Compiles an expression; throws ExprError (with the column) when it is malformed or mistyped. */
export function compileExpr(text: string, scope: ExprScope): CompiledExpr {
  let zone: ReturnType<typeof timeZone>;
  try {
    zone = timeZone(scope.timezone ?? 'UTC');
  } catch (e) {
    throw new ExprError((e as Error).message, 1);
  }
  const dynamic = scope.dynamic === true;
  const referenced = new Set<string>();
  const root = compileNode(parse(text), {
    ctx: { zone, dynamic },
    fields: scope.fields,
    functions: functionTable(scope.timezone),
    referenced,
  });
  const type = root.type.kind === 'NULL' ? UNKNOWN : root.type;
  const out = dynamic ? toPlain(type, zone) : identity;
  const fn = root.fn;
  const evaluate =
    out === identity
      ? (record: Record<string, unknown>) => {
          try {
            return fn(record);
          } catch (e) {
            throw asStageError(e, text);
          }
        }
      : (record: Record<string, unknown>) => {
          try {
            return out(fn(record));
          } catch (e) {
            throw asStageError(e, text);
          }
        };
  return { evaluate, type, fields: [...referenced] };
}

function asStageError(e: unknown, text: string): StageError {
  if (e instanceof StageError) return e;
  const message =
    e instanceof RangeError && /call stack/i.test(e.message)
      ? 'the value is nested too deeply'
      : String((e as Error)?.message ?? e);
  return new StageError('EXPR', `expression \`${text}\` failed: ${message}`, { cause: e });
}

export interface CompiledCondition {
  /** True only when the expression is TRUE (NULL and FALSE are not). */
  test(record: Record<string, unknown>): boolean;
  fields: string[];
}

/** Compiles a condition (drop_when, when, counters): it must be BOOLEAN (or unknown in dynamic mode). */
export function compileCondition(text: string, scope: ExprScope): CompiledCondition {
  const expr = compileExpr(text, scope);
  const k = expr.type.kind;
  if (k !== 'BOOLEAN' && k !== 'UNKNOWN') {
    throw new ExprError(
      `a condition must be TRUE or FALSE, but this expression gives ${typeName(expr.type)}`,
      1,
      text.length,
    );
  }
  const evaluate = expr.evaluate;
  return { test: (record) => evaluate(record) === true, fields: expr.fields };
}
