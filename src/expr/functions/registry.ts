// The built-in function table and the helpers that turn a plain implementation into a compiled
// call: argument type checks and conversions, NULL in → NULL out, per-arity fast paths.
import type { LogicalType } from '../../core/types.ts';
import { type Conv, converter } from '../cast.ts';
import type { CompileContext, Compiled, Fn } from '../compiled.ts';
import { errorAt, type Span } from '../errors.ts';
import { isInteger, isNumeric, isStringy, isTemporal, t, typeName, type XType } from '../types.ts';

export interface Resolved {
  type: XType;
  fn: Fn;
}

export interface FnDef {
  name: string;
  /** e.g. `substring(s, pos[, len])`, for messages. */
  usage: string;
  minArgs: number;
  maxArgs: number;
  /** False for functions whose value changes between calls (now()); they are never folded. */
  pure: boolean;
  /** The first argument is a unit keyword (`timestampadd(DAY, 1, ts)`), not a field. */
  unitArgument?: boolean;
  resolve(args: Compiled[], ctx: CompileContext, span: Span): Resolved;
}

/** Argument kinds: the value the implementation receives. */
export type Param =
  | 'STRING' // string; STRING/VARCHAR/JSON (any scalar for TEXT)
  | 'TEXT' // string from any scalar, as CAST(x AS STRING)
  | 'INT' // number, from an integer type
  | 'DOUBLE' // number, from any numeric type
  | 'BOOLEAN'
  | 'TIMESTAMP' // wall-clock micros; DATE, TIMESTAMP_LTZ and timestamp strings convert
  | 'DATE' // days; TIMESTAMP and date strings convert
  | 'ANY'; // the value as is

const PARAM_TYPES: Record<Exclude<Param, 'ANY'>, LogicalType> = {
  STRING: t.STRING,
  TEXT: t.STRING,
  INT: t.INT,
  DOUBLE: t.DOUBLE,
  BOOLEAN: t.BOOLEAN,
  TIMESTAMP: t.TIMESTAMP6,
  DATE: t.DATE,
};

function accepts(p: Param, type: XType): boolean {
  if (type.kind === 'UNKNOWN' || type.kind === 'NULL' || p === 'ANY' || p === 'TEXT') return true;
  switch (p) {
    case 'STRING':
      return isStringy(type) || type.kind === 'JSON';
    case 'INT':
      return isInteger(type);
    case 'DOUBLE':
      return isNumeric(type);
    case 'BOOLEAN':
      return type.kind === 'BOOLEAN';
    case 'TIMESTAMP':
    case 'DATE':
      return isTemporal(type) || isStringy(type);
  }
}

const PARAM_LABEL: Record<Param, string> = {
  STRING: 'a STRING',
  TEXT: 'a value',
  INT: 'an integer',
  DOUBLE: 'a number',
  BOOLEAN: 'a BOOLEAN',
  TIMESTAMP: 'a TIMESTAMP, DATE or timestamp string',
  DATE: 'a DATE, TIMESTAMP or date string',
  ANY: 'a value',
};

/** The converter for argument `i` of `name`, or a compile error at the argument. */
export function argConverter(name: string, i: number, p: Param, arg: Compiled, ctx: CompileContext): Conv {
  if (!accepts(p, arg.type)) {
    throw errorAt(
      `${name} expects ${PARAM_LABEL[p]} as argument ${i + 1}, got ${typeName(arg.type)}`,
      arg.span,
    );
  }
  if (p === 'ANY') return (v) => v;
  const target = PARAM_TYPES[p];
  const conv = converter(arg.type, target, ctx.zone, true);
  if (!conv) throw errorAt(`${name} cannot use ${typeName(arg.type)} as argument ${i + 1}`, arg.span);
  if (p === 'INT' && arg.type.kind === 'BIGINT') return (v) => (v === null ? null : Number(v));
  return conv;
}

/** An implementation taking converted arguments (typed by the function itself). */
export type Impl = (...args: never[]) => unknown;

export interface SimpleSpec {
  name: string;
  usage: string;
  params: Param[];
  /** How many trailing params may be left out. */
  optional?: number;
  /** The last param repeats (any number of times, at least once unless optional). */
  variadic?: boolean;
  result: XType;
  /** Receives converted, non-null arguments (all of them when nullCall is set). */
  impl: Impl;
  /** Call impl even when an argument is NULL. */
  nullCall?: boolean;
  pure?: boolean;
  unitArgument?: boolean;
  /** Compile-time checks on constant arguments (undefined when not constant); throw Error(message). */
  check?: (constants: unknown[], args: Compiled[]) => void;
  /** Builds the implementation once per call site (for per-site caches). */
  make?: () => Impl;
}

export function simple(spec: SimpleSpec): FnDef {
  const minArgs = spec.params.length - (spec.optional ?? 0);
  return {
    name: spec.name,
    usage: spec.usage,
    minArgs,
    maxArgs: spec.variadic ? Number.POSITIVE_INFINITY : spec.params.length,
    pure: spec.pure ?? true,
    unitArgument: spec.unitArgument,
    resolve(args, ctx) {
      const last = spec.params.length - 1;
      const convs = args.map((a, i) => argConverter(spec.name, i, spec.params[Math.min(i, last)]!, a, ctx));
      if (spec.check) {
        const constants = args.map((a, i) => (a.constant ? convs[i]!(a.constant.value) : undefined));
        try {
          spec.check(constants, args);
        } catch (e) {
          const at = args.find(
            (a, i) => a.constant && constants[i] !== undefined && (e as { arg?: number }).arg === i,
          );
          throw errorAt((e as Error).message, at?.span ?? args[0]?.span ?? { pos: 0, len: 1 });
        }
      }
      const impl = spec.make ? spec.make() : spec.impl;
      const fns = args.map((a) => a.fn);
      return { type: spec.result, fn: call(impl, fns, convs, spec.nullCall ?? false) };
    },
  };
}

function call(typedImpl: Impl, fns: Fn[], convs: Conv[], nullCall: boolean): Fn {
  const impl = typedImpl as unknown as (...a: unknown[]) => unknown;
  const out = (v: unknown) => (v === undefined ? null : v);
  if (fns.length === 0) return () => out(impl());
  if (fns.length === 1) {
    const [f0] = fns as [Fn];
    const [c0] = convs as [Conv];
    return (r) => {
      const a = c0(f0(r));
      return a === null && !nullCall ? null : out(impl(a));
    };
  }
  if (fns.length === 2) {
    const [f0, f1] = fns as [Fn, Fn];
    const [c0, c1] = convs as [Conv, Conv];
    return (r) => {
      const a = c0(f0(r));
      if (a === null && !nullCall) return null;
      const b = c1(f1(r));
      return b === null && !nullCall ? null : out(impl(a, b));
    };
  }
  const n = fns.length;
  return (r) => {
    const values = new Array(n);
    for (let i = 0; i < n; i++) {
      const v = convs[i]!(fns[i]!(r));
      if (v === null && !nullCall) return null;
      values[i] = v;
    }
    return out(impl(...values));
  };
}

/** An Error that points at a constant argument (0-based) in compile-time checks. */
export function argError(message: string, arg: number): Error {
  return Object.assign(new Error(message), { arg });
}

/** A small per-call-site cache for compiled patterns (regexes, time formats) of non-constant arguments. */
export function patternCache<T>(build: (pattern: string) => T, limit = 64): (pattern: string) => T {
  const cache = new Map<string, T>();
  return (pattern) => {
    let v = cache.get(pattern);
    if (v === undefined) {
      v = build(pattern);
      if (cache.size >= limit) cache.clear();
      cache.set(pattern, v);
    }
    return v;
  };
}
