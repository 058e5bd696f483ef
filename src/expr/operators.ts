// Comparison and arithmetic: pick, at compile time, the conversions and the operation for the
// operand types; dynamic (UNKNOWN) operands are dispatched on their run-time kind.
import type { LogicalType } from '../core/types.ts';
import { type Conv, converter, describe, fail, identity, parseNumber, toJsonText, toPlain } from './cast.ts';
import { divRound, fitsPrecision, pow10, rescale } from './decimal.ts';
import type { TimeZone } from './time.ts';
import {
  commonNumeric,
  commonType,
  decimalShape,
  decimalType,
  isApproxNumeric,
  isInteger,
  isNumeric,
  isStringy,
  isTemporal,
  UNKNOWN,
  type XType,
} from './types.ts';

export type CmpOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/' | '%';

const DOUBLE: LogicalType = { kind: 'DOUBLE', nullable: true };

export interface Comparison {
  left: Conv;
  right: Conv;
  /** Both values already converted and non-null. */
  test: (a: unknown, b: unknown) => boolean;
}

// Loose == compares number with bigint exactly; values of one kind compare as usual.
const TESTS: Record<CmpOp, (a: unknown, b: unknown) => boolean> = {
  // biome-ignore lint/suspicious/noDoubleEquals: number vs bigint must compare by value
  '=': (a, b) => a == b,
  // biome-ignore lint/suspicious/noDoubleEquals: number vs bigint must compare by value
  '<>': (a, b) => a != b,
  '<': (a, b) => (a as number) < (b as number),
  '<=': (a, b) => (a as number) <= (b as number),
  '>': (a, b) => (a as number) > (b as number),
  '>=': (a, b) => (a as number) >= (b as number),
};

const isNum = (v: unknown) => typeof v === 'number' || typeof v === 'bigint';

/** Orders two plain values; throws a StageError when they cannot be ordered. */
export function dynOrder(a: unknown, b: unknown): number {
  if (isNum(a) && isNum(b)) return order(a, b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (isNum(a) && typeof b === 'string') {
    const n = parseNumber(b);
    if (n !== null) return order(a, n);
  } else if (typeof a === 'string' && isNum(b)) {
    const n = parseNumber(a);
    if (n !== null) return order(n, b);
  } else if (typeof a === 'boolean' && typeof b === 'boolean') {
    return Number(a) - Number(b);
  }
  return fail(`cannot compare ${describe(a)} with ${describe(b)}`);
}

function order(a: unknown, b: unknown): number {
  // biome-ignore lint/suspicious/noDoubleEquals: number vs bigint
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : a == b ? 0 : Number.NaN;
}

/** Equality of two plain values: numbers and numeric strings compare as numbers; other kinds never match. */
export function dynEquals(a: unknown, b: unknown): boolean {
  if (typeof a === typeof b && typeof a !== 'object') return a === b;
  if (isNum(a) && isNum(b)) return order(a, b) === 0;
  if (isNum(a) && typeof b === 'string') {
    const n = parseNumber(b);
    return n !== null && order(a, n) === 0;
  }
  if (typeof a === 'string' && isNum(b)) {
    const n = parseNumber(a);
    return n !== null && order(n, b) === 0;
  }
  if (typeof a === 'object' && typeof b === 'object') return toJsonText(a) === toJsonText(b);
  return false;
}

const DYN_TESTS: Record<CmpOp, (a: unknown, b: unknown) => boolean> = {
  '=': dynEquals,
  '<>': (a, b) => !dynEquals(a, b),
  '<': (a, b) => dynOrder(a, b) < 0,
  '<=': (a, b) => dynOrder(a, b) <= 0,
  '>': (a, b) => dynOrder(a, b) > 0,
  '>=': (a, b) => dynOrder(a, b) >= 0,
};

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** How to compare a value of type `l` with one of type `r`, or an error message. */
export function comparison(op: CmpOp, l: XType, r: XType, zone: TimeZone): Comparison | string {
  const never = () => false;
  if (l.kind === 'NULL' || r.kind === 'NULL') return { left: identity, right: identity, test: never };
  if (l.kind === 'UNKNOWN' || r.kind === 'UNKNOWN') {
    const typed = l.kind === 'UNKNOWN' ? r : l;
    if (typed.kind === 'UNKNOWN' || isNumeric(typed) || isStringy(typed) || typed.kind === 'JSON') {
      return { left: toPlain(l, zone), right: toPlain(r, zone), test: DYN_TESTS[op] };
    }
    const conv = converter(UNKNOWN, typed, zone)!;
    const inner = comparison(op, typed, typed, zone);
    if (typeof inner === 'string') return inner;
    return l.kind === 'UNKNOWN'
      ? { left: conv, right: identity, test: inner.test }
      : { left: identity, right: conv, test: inner.test };
  }
  const ordered = op !== '=' && op !== '<>';
  if (isNumeric(l) && isNumeric(r)) {
    if (l.kind !== 'DECIMAL' && r.kind !== 'DECIMAL')
      return { left: identity, right: identity, test: TESTS[op] };
    const common = commonNumeric(l, r)!;
    return {
      left: converter(l, common, zone, false)!,
      right: converter(r, common, zone, false)!,
      test: TESTS[op],
    };
  }
  if ((isStringy(l) || l.kind === 'JSON') && (isStringy(r) || r.kind === 'JSON')) {
    return { left: identity, right: identity, test: TESTS[op] };
  }
  if (isTemporal(l) && isStringy(r)) {
    return { left: identity, right: converter(r, l, zone, true)!, test: TESTS[op] };
  }
  if (isStringy(l) && isTemporal(r)) {
    return { left: converter(l, r, zone, true)!, right: identity, test: TESTS[op] };
  }
  if (isTemporal(l) && isTemporal(r)) {
    const common = commonType(l, r)!;
    return {
      left: converter(l, common, zone, false)!,
      right: converter(r, common, zone, false)!,
      test: TESTS[op],
    };
  }
  if (l.kind === 'BOOLEAN' && r.kind === 'BOOLEAN')
    return { left: identity, right: identity, test: TESTS[op] };
  if (l.kind === 'BINARY' && r.kind === 'BINARY') {
    const t = TESTS[op];
    return {
      left: identity,
      right: identity,
      test: (a, b) => t(compareBytes(a as Uint8Array, b as Uint8Array), 0),
    };
  }
  if (!ordered && commonType(l, r) !== null) {
    const pl = toPlain(l, zone);
    const pr = toPlain(r, zone);
    const eq = (a: unknown, b: unknown) => toJsonText(pl(a)) === toJsonText(pr(b));
    return { left: identity, right: identity, test: op === '=' ? eq : (a, b) => !eq(a, b) };
  }
  return `cannot compare ${typeLabel(l)} with ${typeLabel(r)}`;
}

function typeLabel(t: XType): string {
  return t.kind === 'VARCHAR' ? 'STRING' : t.kind;
}

// ---- arithmetic -------------------------------------------------------------------------------

export interface Arithmetic {
  type: XType;
  left: Conv;
  right: Conv;
  /** Both values converted and non-null; may return null (division by zero, DECIMAL overflow). */
  apply: (a: unknown, b: unknown) => unknown;
}

/** Arithmetic on two plain values: integers stay exact (bigint past 2^53), anything else is double. */
export function dynArith(op: ArithOp, a: unknown, b: unknown): unknown {
  const x = plainNumber(a);
  const y = plainNumber(b);
  if (typeof x === 'number' && typeof y === 'number') {
    if (!Number.isInteger(x) || !Number.isInteger(y)) return doubleOp(op, x, y);
    if (op === '/' || op === '%') {
      if (y === 0) return null;
      return op === '/' ? Math.trunc(x / y) : x % y;
    }
    const r = op === '+' ? x + y : op === '-' ? x - y : x * y;
    if (Number.isSafeInteger(r)) return r;
  } else if (
    (typeof x === 'number' && !Number.isInteger(x)) ||
    (typeof y === 'number' && !Number.isInteger(y))
  ) {
    return doubleOp(op, Number(x), Number(y));
  }
  const r = bigOp(op, BigInt(x), BigInt(y));
  if (r === null) return null;
  const n = Number(r);
  return Number.isSafeInteger(n) ? n : r;
}

function plainNumber(v: unknown): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'string') {
    const n = parseNumber(v);
    if (n !== null) return n;
  }
  return fail(`expected a number, got ${describe(v)}`);
}

function doubleOp(op: ArithOp, a: number, b: number): number | null {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? null : a / b;
    case '%':
      return b === 0 ? null : a % b;
  }
}

function bigOp(op: ArithOp, a: bigint, b: bigint): bigint | null {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0n ? null : a / b;
    case '%':
      return b === 0n ? null : a % b;
  }
}

const INT_OPS: Record<ArithOp, (a: number, b: number) => number | null> = {
  '+': (a, b) => (a + b) | 0,
  '-': (a, b) => (a - b) | 0,
  '*': (a, b) => Math.imul(a, b),
  '/': (a, b) => (b === 0 ? null : (a / b) | 0),
  '%': (a, b) => (b === 0 ? null : a % b),
};

const BIGINT_OPS: Record<ArithOp, (a: bigint, b: bigint) => bigint | null> = {
  '+': (a, b) => BigInt.asIntN(64, a + b),
  '-': (a, b) => BigInt.asIntN(64, a - b),
  '*': (a, b) => BigInt.asIntN(64, a * b),
  '/': (a, b) => (b === 0n ? null : BigInt.asIntN(64, a / b)),
  '%': (a, b) => (b === 0n ? null : a % b),
};

/** How to compute `l op r`, or an error message. Integer overflow wraps as in Flink (Java). */
export function arithmetic(op: ArithOp, l: XType, r: XType, zone: TimeZone): Arithmetic | string {
  if (l.kind === 'UNKNOWN' || r.kind === 'UNKNOWN' || (l.kind === 'NULL' && r.kind === 'NULL')) {
    const bad = [l, r].find(
      (t) => t.kind !== 'UNKNOWN' && t.kind !== 'NULL' && !isNumeric(t) && !isStringy(t),
    );
    if (bad) return `cannot use ${typeLabel(bad)} in arithmetic "${op}"`;
    // A DECIMAL or DOUBLE operand makes the operation fractional, as it would be in typed mode.
    const fractional = [l, r].some((t) => t.kind === 'DECIMAL' || isApproxNumeric(t));
    if (fractional) {
      const toDouble = (t: XType) =>
        t.kind === 'UNKNOWN' || t.kind === 'NULL' ? identity : converter(t, DOUBLE, zone, false)!;
      return {
        type: UNKNOWN,
        left: toDouble(l),
        right: toDouble(r),
        apply: (a, b) => doubleOp(op, Number(plainNumber(a)), Number(plainNumber(b))),
      };
    }
    return {
      type: UNKNOWN,
      left: toPlain(l, zone),
      right: toPlain(r, zone),
      apply: (a, b) => dynArith(op, a, b),
    };
  }
  const lt = (l.kind === 'NULL' ? r : l) as LogicalType;
  const rt = (r.kind === 'NULL' ? l : r) as LogicalType;
  const common = commonNumeric(lt, rt);
  if (!common) {
    const bad = isNumeric(lt) ? rt : lt;
    const hint = isTemporal(bad)
      ? ' (use timestampadd or datediff for dates and times)'
      : isStringy(bad)
        ? ' (use CAST, or || to join strings)'
        : '';
    return `cannot apply "${op}" to ${typeLabel(lt)} and ${typeLabel(rt)}${hint}`;
  }
  const nullable = true;
  if (isApproxNumeric(common)) {
    const type: LogicalType = { kind: 'DOUBLE', nullable };
    const f = (a: unknown, b: unknown) => doubleOp(op, a as number, b as number);
    return {
      type,
      left: converter(lt, type, zone, false)!,
      right: converter(rt, type, zone, false)!,
      apply: f,
    };
  }
  if (common.kind === 'BIGINT') {
    const f = BIGINT_OPS[op];
    return {
      type: { kind: 'BIGINT', nullable },
      left: converter(lt, common, zone, false)!,
      right: converter(rt, common, zone, false)!,
      apply: (a, b) => f(a as bigint, b as bigint),
    };
  }
  if (isInteger(common)) {
    const f = INT_OPS[op];
    return {
      type: { kind: 'INT', nullable },
      left: identity,
      right: identity,
      apply: (a, b) => f(a as number, b as number),
    };
  }
  return decimalArithmetic(op, lt, rt, zone);
}

function decimalArithmetic(op: ArithOp, l: LogicalType, r: LogicalType, zone: TimeZone): Arithmetic {
  const x = decimalShape(l);
  const y = decimalShape(r);
  const left = converter(l, decimalType(x.precision, x.scale, true), zone, false)!;
  const right = converter(r, decimalType(y.precision, y.scale, true), zone, false)!;
  let precision: number;
  let scale: number;
  let apply: (a: bigint, b: bigint) => bigint | null;
  switch (op) {
    case '+':
    case '-': {
      scale = Math.max(x.scale, y.scale);
      precision = Math.max(x.precision - x.scale, y.precision - y.scale) + scale + 1;
      const sa = x.scale;
      const sb = y.scale;
      const s = scale;
      apply =
        op === '+'
          ? (a, b) => rescale(a, sa, s) + rescale(b, sb, s)
          : (a, b) => rescale(a, sa, s) - rescale(b, sb, s);
      break;
    }
    case '*': {
      precision = x.precision + y.precision;
      const full = x.scale + y.scale;
      scale = Math.min(full, 38);
      const s = scale;
      apply = (a, b) => rescale(a * b, full, s);
      break;
    }
    case '/': {
      scale = Math.max(6, x.scale + y.precision + 1);
      precision = x.precision - x.scale + y.scale + scale;
      if (precision > 38) {
        scale = Math.max(6, 38 - (precision - scale));
        precision = 38;
      }
      scale = Math.min(scale, 38);
      const shift = scale - x.scale + y.scale;
      apply = (a, b) => {
        if (b === 0n) return null;
        return shift >= 0 ? divRound(a * pow10(shift), b) : divRound(a, b * pow10(-shift));
      };
      break;
    }
    case '%': {
      scale = Math.max(x.scale, y.scale);
      precision = Math.min(x.precision - x.scale, y.precision - y.scale) + scale;
      const sa = x.scale;
      const sb = y.scale;
      const s = scale;
      apply = (a, b) => (b === 0n ? null : rescale(a, sa, s) % rescale(b, sb, s));
      break;
    }
  }
  const type = decimalType(Math.min(precision, 38), scale, true);
  const p = (type as { precision: number }).precision;
  return {
    type,
    left,
    right,
    apply: (a, b) => {
      const v = apply(a as bigint, b as bigint);
      return v === null || !fitsPrecision(v, p) ? null : v;
    },
  };
}

/** Unary minus for a type, or an error message. */
export function negation(t: XType): { type: XType; apply: (v: unknown) => unknown } | string {
  switch (t.kind) {
    case 'UNKNOWN':
    case 'NULL':
      return { type: UNKNOWN, apply: (v) => dynArith('-', 0, v) };
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      return { type: { kind: 'INT', nullable: t.nullable }, apply: (v) => -(v as number) | 0 };
    case 'BIGINT':
      return { type: t, apply: (v) => BigInt.asIntN(64, -(v as bigint)) };
    case 'FLOAT':
    case 'DOUBLE':
      return { type: t, apply: (v) => -(v as number) };
    case 'DECIMAL':
      return { type: t, apply: (v) => -(v as bigint) };
    default:
      return `cannot negate ${typeLabel(t)}`;
  }
}
