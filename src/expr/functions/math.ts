// Numeric functions (Flink SQL names). abs/ceil/floor/round keep the argument's type family.
import type { LogicalType } from '../../core/types.ts';
import { type Conv, converter, describe, fail, parseNumber } from '../cast.ts';
import type { Compiled, Fn } from '../compiled.ts';
import { decimalToNumber, divRound, numberToDecimal, pow10, rescale } from '../decimal.ts';
import { errorAt } from '../errors.ts';
import { arithmetic } from '../operators.ts';
import { decimalType, isInteger, isNumeric, t, typeName, UNKNOWN, type XType } from '../types.ts';
import { type FnDef, simple } from './registry.ts';

function plainNumber(v: unknown): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  const n = typeof v === 'string' ? parseNumber(v) : null;
  return n ?? fail(`expected a number, got ${describe(v)}`);
}

/** HALF_UP rounding of a double to `d` decimals, on its shortest decimal text (so 2.675 → 2.68). */
export function roundDouble(x: number, d: number): number {
  if (!Number.isFinite(x)) return x;
  const u = numberToDecimal(x, d);
  if (u === null) return x;
  return d >= 0 ? decimalToNumber(u, d) : Number(u) * 10 ** -d;
}

function roundInteger(x: bigint, d: number): bigint {
  if (d >= 0) return x;
  const p = pow10(-d);
  return divRound(x, p) * p;
}

interface NumericImpls {
  int: (v: number) => number;
  bigint: (v: bigint) => bigint;
  double: (v: number) => number;
  /** Result type and operation for a DECIMAL of this scale. */
  decimal: (type: LogicalType & { kind: 'DECIMAL' }) => { type: LogicalType; apply: (v: bigint) => bigint };
}

function numericUnary(name: string, impls: NumericImpls): FnDef {
  return {
    name,
    usage: `${name}(x)`,
    minArgs: 1,
    maxArgs: 1,
    pure: true,
    resolve([arg]) {
      return unaryOn(name, arg!, impls);
    },
  };
}

function unaryOn(name: string, arg: Compiled, impls: NumericImpls): { type: XType; fn: Fn } {
  const f = arg.fn;
  const type = arg.type;
  const wrap =
    <V>(apply: (v: V) => unknown): Fn =>
    (r) => {
      const v = f(r);
      return v === null ? null : apply(v as V);
    };
  if (type.kind === 'UNKNOWN' || type.kind === 'NULL') {
    return {
      type: UNKNOWN,
      fn: wrap((v) => {
        const n = plainNumber(v);
        if (typeof n === 'bigint') return impls.bigint(n);
        return impls.double(n);
      }),
    };
  }
  if (!isNumeric(type)) throw errorAt(`${name} expects a number, got ${typeName(type)}`, arg.span);
  if (type.kind === 'DECIMAL') {
    const d = impls.decimal(type);
    return { type: d.type, fn: wrap(d.apply) };
  }
  if (type.kind === 'BIGINT') return { type, fn: wrap(impls.bigint) };
  if (isInteger(type)) return { type: { kind: 'INT', nullable: type.nullable }, fn: wrap(impls.int) };
  return { type: { kind: 'DOUBLE', nullable: type.nullable }, fn: wrap(impls.double) };
}

const ceilFloor = (name: string, up: boolean) =>
  numericUnary(name, {
    int: (v) => v,
    bigint: (v) => v,
    double: up ? Math.ceil : Math.floor,
    decimal: (type) => {
      const p = pow10(type.scale);
      return {
        type: decimalType(type.precision - type.scale + 1, 0, type.nullable),
        apply: (v) => {
          const q = v / p;
          const rem = v - q * p;
          if (rem === 0n) return q;
          return up ? (rem > 0n ? q + 1n : q) : rem < 0n ? q - 1n : q;
        },
      };
    },
  });

const doubleFn = (name: string, f: (x: number) => number) =>
  simple({ name, usage: `${name}(x)`, params: ['DOUBLE'], result: t.DOUBLE, impl: f });

function numericArgs(name: string, args: Compiled[]): void {
  for (const a of args) {
    if (a.type.kind !== 'UNKNOWN' && a.type.kind !== 'NULL' && !isNumeric(a.type)) {
      throw errorAt(`${name} expects numbers, got ${typeName(a.type)}`, a.span);
    }
  }
}

export const mathFunctions: FnDef[] = [
  numericUnary('abs', {
    int: (v) => Math.abs(v) | 0,
    bigint: (v) => BigInt.asIntN(64, v < 0n ? -v : v),
    double: Math.abs,
    decimal: (type) => ({ type, apply: (v) => (v < 0n ? -v : v) }),
  }),
  ceilFloor('ceil', true),
  ceilFloor('ceiling', true),
  ceilFloor('floor', false),
  {
    name: 'round',
    usage: 'round(x[, d])',
    minArgs: 1,
    maxArgs: 2,
    pure: true,
    resolve([arg, digits], ctx) {
      let d = 0;
      let dFn: Fn | null = null;
      let dConv: Conv | null = null;
      if (digits) {
        if (digits.type.kind !== 'UNKNOWN' && !isInteger(digits.type)) {
          throw errorAt(
            `round expects an integer number of digits, got ${typeName(digits.type)}`,
            digits.span,
          );
        }
        if (digits.constant) {
          const v = converter(digits.type, t.INT, ctx.zone)!(digits.constant.value);
          if (v === null) return { type: arg!.type, fn: () => null };
          d = Number(v);
        } else {
          dFn = digits.fn;
          dConv = converter(digits.type, t.INT, ctx.zone)!;
        }
      }
      if (dFn && arg!.type.kind === 'DECIMAL') {
        throw errorAt('round of a DECIMAL needs a constant number of digits', digits!.span);
      }
      if (dFn) {
        // Digits vary per record: compute in double (or exact integers).
        const f = arg!.fn;
        const conv = converter(arg!.type, arg!.type.kind === 'UNKNOWN' ? UNKNOWN : arg!.type, ctx.zone)!;
        const isBig = arg!.type.kind === 'BIGINT';
        numericArgs('round', [arg!]);
        return {
          type: arg!.type.kind === 'UNKNOWN' ? UNKNOWN : arg!.type,
          fn: (r) => {
            const v = conv(f(r));
            const n = dConv!(dFn(r));
            if (v === null || n === null) return null;
            const x = plainNumber(v);
            if (typeof x === 'bigint' || isBig) return roundInteger(BigInt(x), n as number);
            return Number.isInteger(x) && (n as number) >= 0 ? x : roundDouble(x, n as number);
          },
        };
      }
      return unaryOn('round', arg!, {
        int: (v) => Number(roundInteger(BigInt(v), d)) | 0,
        bigint: (v) => BigInt.asIntN(64, roundInteger(v, d)),
        double: (v) => roundDouble(v, d),
        decimal: (type) => {
          const scale = Math.max(0, Math.min(type.scale, d));
          return {
            type: decimalType(type.precision - type.scale + scale + 1, scale, type.nullable),
            apply: (v) => rescale(rescale(v, type.scale, d), d, scale),
          };
        },
      });
    },
  },
  {
    name: 'mod',
    usage: 'mod(a, b)',
    minArgs: 2,
    maxArgs: 2,
    pure: true,
    resolve([a, b], ctx, span) {
      const op = arithmetic('%', a!.type, b!.type, ctx.zone);
      if (typeof op === 'string') throw errorAt(`mod: ${op}`, span);
      const fa = a!.fn;
      const fb = b!.fn;
      return {
        type: op.type,
        fn: (r) => {
          const x = op.left(fa(r));
          if (x === null) return null;
          const y = op.right(fb(r));
          return y === null ? null : op.apply(x, y);
        },
      };
    },
  },
  simple({
    name: 'power',
    usage: 'power(x, y)',
    params: ['DOUBLE', 'DOUBLE'],
    result: t.DOUBLE,
    impl: Math.pow,
  }),
  simple({ name: 'pow', usage: 'pow(x, y)', params: ['DOUBLE', 'DOUBLE'], result: t.DOUBLE, impl: Math.pow }),
  doubleFn('sqrt', Math.sqrt),
  doubleFn('ln', Math.log),
  doubleFn('log10', Math.log10),
  doubleFn('log2', Math.log2),
  doubleFn('exp', Math.exp),
  simple({
    name: 'log',
    usage: 'log(x) or log(base, x)',
    params: ['DOUBLE', 'DOUBLE'],
    optional: 1,
    result: t.DOUBLE,
    impl: (a: number, b?: number) => (b === undefined ? Math.log(a) : Math.log(b) / Math.log(a)),
  }),
];
