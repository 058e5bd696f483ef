// Value conversions between types: explicit CAST, the implicit widening the compiler inserts, the
// run-time coercion of dynamic (UNKNOWN) values, and the plain output form of dynamic mode.
// Each converter is built once per expression site; null in → null out.

import { StageError } from '../core/errors.ts';
import type { LogicalType } from '../core/types.ts';
import {
  decimalToNumber,
  fitsPrecision,
  formatDecimal,
  numberToDecimal,
  parseDecimal,
  pow10,
  rescale,
} from './decimal.ts';
import {
  formatDate,
  formatTimestamp,
  fromWall,
  MICROS_PER_DAY,
  parseDate,
  parseTimestamp,
  type TimeZone,
  toWall,
} from './time.ts';
import { isInteger, typeName, type XType } from './types.ts';

export type Conv = (v: unknown) => unknown;

export const identity: Conv = (v) => v;

export function fail(message: string): never {
  throw new StageError('EXPR', message);
}

/** Short description of a run-time value for messages. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  return 'an object';
}

const INT_RANGE: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
};
const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;

const NUMBER_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;

/** A numeric string as a number (or bigint when it is an integer beyond 2^53); null if not numeric. */
export function parseNumber(text: string): number | bigint | null {
  if (!NUMBER_TEXT.test(text)) return null;
  if (INTEGER_TEXT.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text.trim());
  }
  return Number(text);
}

/** Java's Double.toString: `1.0`, `0.5`, `1.0E10`. */
export function formatDouble(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exp.replace('+', '')}`;
}

/** JSON text of a plain value; bigints are written as exact integers. */
export function toJsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? JSON.rawJSON(x.toString()) : x));
}

/** A plain (parsed-JSON) value as a string: numbers as written, objects and arrays as JSON. */
export function plainToString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return toJsonText(v);
}

function truncateCodePoints(s: string, n: number): string {
  if (s.length <= n) return s;
  let i = 0;
  let count = 0;
  while (i < s.length && count < n) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    count++;
  }
  return s.slice(0, i);
}

const nullSafe =
  (f: Conv): Conv =>
  (v) =>
    v === null || v === undefined ? null : f(v);

function checkedInt(kind: string, x: number, v: unknown): number {
  const [lo, hi] = INT_RANGE[kind]!;
  if (!Number.isFinite(x)) fail(`cannot cast ${describe(v)} to ${kind}`);
  const n = Math.trunc(x);
  if (n < lo || n > hi) fail(`${describe(v)} is out of range for ${kind}`);
  return n;
}

function checkedBigint(x: bigint | number, v: unknown): bigint {
  let b: bigint;
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) fail(`cannot cast ${describe(v)} to BIGINT`);
    b = BigInt(Math.trunc(x));
  } else {
    b = x;
  }
  if (b < BIGINT_MIN || b > BIGINT_MAX) fail(`${describe(v)} is out of range for BIGINT`);
  return b;
}

function stringToNumber(s: string, target: string): number | bigint {
  const n = parseNumber(s);
  if (n === null) fail(`cannot cast ${describe(s)} to ${target}: not a number`);
  return n;
}

const BOOLEAN_TEXT: Record<string, boolean> = {
  true: true,
  t: true,
  yes: true,
  y: true,
  '1': true,
  false: false,
  f: false,
  no: false,
  n: false,
  '0': false,
};

/**
 * A converter from `from` to `to`, or null when the cast is not allowed. `explicit` allows the
 * narrowing casts of CAST (DOUBLE → INT, STRING → INT, ...); implicit conversions only widen.
 */
export function converter(from: XType, to: XType, zone: TimeZone, explicit = true): Conv | null {
  if (to.kind === 'UNKNOWN') return toPlain(from, zone);
  if (to.kind === 'NULL' || from.kind === 'NULL') return identity;
  if (from.kind === 'UNKNOWN') return fromPlain(to, zone);
  return typedConverter(from, to, zone, explicit);
}

function typedConverter(from: LogicalType, to: LogicalType, zone: TimeZone, explicit: boolean): Conv | null {
  const f = from.kind;
  const target = typeName(to);
  switch (to.kind) {
    case 'BOOLEAN':
      if (f === 'BOOLEAN') return identity;
      if (!explicit) return null;
      if (f === 'STRING' || f === 'VARCHAR') {
        return nullSafe((v) => {
          const b = BOOLEAN_TEXT[(v as string).trim().toLowerCase()];
          return b ?? fail(`cannot cast ${describe(v)} to BOOLEAN`);
        });
      }
      if (isInteger(from) || f === 'FLOAT' || f === 'DOUBLE') return nullSafe((v) => Number(v) !== 0);
      if (f === 'DECIMAL') return nullSafe((v) => v !== 0n);
      return null;
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT': {
      const k = to.kind;
      if (f === k || (!explicit && isInteger(from) && INT_RANGE[f]![1] <= INT_RANGE[k]![1])) return identity;
      if (!explicit) return null;
      if (f === 'TINYINT' || f === 'SMALLINT' || f === 'INT' || f === 'FLOAT' || f === 'DOUBLE') {
        return nullSafe((v) => checkedInt(k, v as number, v));
      }
      if (f === 'BIGINT') return nullSafe((v) => checkedInt(k, Number(v), v));
      if (f === 'DECIMAL')
        return nullSafe((v) => checkedInt(k, Number((v as bigint) / pow10(from.scale)), v));
      if (f === 'BOOLEAN') return nullSafe((v) => (v ? 1 : 0));
      if (f === 'STRING' || f === 'VARCHAR') {
        return nullSafe((v) => checkedInt(k, Number(stringToNumber(v as string, k)), v));
      }
      return null;
    }
    case 'BIGINT':
      if (f === 'BIGINT') return identity;
      if (f === 'TINYINT' || f === 'SMALLINT' || f === 'INT') return nullSafe((v) => BigInt(v as number));
      if (!explicit) return null;
      if (f === 'FLOAT' || f === 'DOUBLE') return nullSafe((v) => checkedBigint(v as number, v));
      if (f === 'DECIMAL') return nullSafe((v) => checkedBigint((v as bigint) / pow10(from.scale), v));
      if (f === 'BOOLEAN') return nullSafe((v) => (v ? 1n : 0n));
      if (f === 'STRING' || f === 'VARCHAR') {
        return nullSafe((v) => {
          const n = stringToNumber(v as string, 'BIGINT');
          return checkedBigint(n, v);
        });
      }
      return null;
    case 'FLOAT':
    case 'DOUBLE': {
      const round = to.kind === 'FLOAT' ? Math.fround : (x: number) => x;
      if (f === 'FLOAT' || f === 'DOUBLE' || f === 'TINYINT' || f === 'SMALLINT' || f === 'INT') {
        return f === to.kind || to.kind === 'DOUBLE' ? identity : nullSafe((v) => round(v as number));
      }
      if (f === 'BIGINT') return nullSafe((v) => round(Number(v)));
      if (f === 'DECIMAL') return nullSafe((v) => round(decimalToNumber(v as bigint, from.scale)));
      if (!explicit) return null;
      if (f === 'BOOLEAN') return nullSafe((v) => (v ? 1 : 0));
      if (f === 'STRING' || f === 'VARCHAR') {
        return nullSafe((v) => {
          const t = (v as string).trim().toLowerCase();
          if (t === 'nan') return Number.NaN;
          if (t === 'infinity' || t === '+infinity') return Number.POSITIVE_INFINITY;
          if (t === '-infinity') return Number.NEGATIVE_INFINITY;
          return round(Number(stringToNumber(v as string, to.kind)));
        });
      }
      return null;
    }
    case 'DECIMAL': {
      const { precision, scale } = to;
      const fit = (u: bigint | null, v: unknown) => {
        if (u === null) fail(`cannot cast ${describe(v)} to ${target}`);
        return fitsPrecision(u, precision) ? u : null; // Flink: overflow → NULL
      };
      if (f === 'DECIMAL') {
        if (from.scale === scale && from.precision <= precision) return identity;
        return nullSafe((v) => fit(rescale(v as bigint, from.scale, scale), v));
      }
      if (f === 'TINYINT' || f === 'SMALLINT' || f === 'INT' || f === 'BIGINT') {
        return nullSafe((v) => fit(BigInt(v as number | bigint) * pow10(scale), v));
      }
      if (!explicit) return null;
      if (f === 'FLOAT' || f === 'DOUBLE')
        return nullSafe((v) => fit(numberToDecimal(v as number, scale), v));
      if (f === 'STRING' || f === 'VARCHAR') return nullSafe((v) => fit(parseDecimal(v as string, scale), v));
      if (f === 'BOOLEAN') return nullSafe((v) => (v ? pow10(scale) : 0n));
      return null;
    }
    case 'STRING':
    case 'VARCHAR': {
      const toStr = stringConverter(from, zone, explicit);
      if (!toStr) return null;
      if (to.kind === 'STRING') return toStr;
      const n = (to as { length: number }).length;
      if (from.kind === 'VARCHAR' && (from as { length: number }).length <= n) return identity;
      return toStr === identity
        ? nullSafe((v) => truncateCodePoints(v as string, n))
        : nullSafe((v) => truncateCodePoints(toStr(v) as string, n));
    }
    case 'DATE':
      if (f === 'DATE') return identity;
      if (f === 'TIMESTAMP') return nullSafe((v) => Math.floor((v as number) / MICROS_PER_DAY));
      if (f === 'TIMESTAMP_LTZ')
        return nullSafe((v) => Math.floor(toWall(v as number, zone) / MICROS_PER_DAY));
      if (f === 'STRING' || f === 'VARCHAR') {
        return nullSafe((v) => {
          const d = parseDate(v as string);
          if (d !== null) return d;
          const ts = parseTimestamp(v as string);
          return ts === null
            ? fail(`cannot cast ${describe(v)} to DATE (expected yyyy-MM-dd)`)
            : Math.floor(ts / MICROS_PER_DAY);
        });
      }
      return null;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const ltz = to.kind === 'TIMESTAMP_LTZ';
      const unit = to.precision < 6 ? 10 ** (6 - to.precision) : 1;
      const trunc =
        unit === 1 || !explicit ? identity : (v: unknown) => Math.floor((v as number) / unit) * unit;
      const wallTo = ltz ? (w: number) => fromWall(w, zone) : (w: number) => w;
      if (f === to.kind) return trunc === identity ? identity : nullSafe(trunc);
      if (f === 'TIMESTAMP' || f === 'TIMESTAMP_LTZ') {
        const conv = f === 'TIMESTAMP' ? (v: number) => fromWall(v, zone) : (v: number) => toWall(v, zone);
        return nullSafe((v) => trunc(conv(v as number)));
      }
      if (f === 'DATE') return nullSafe((v) => wallTo((v as number) * MICROS_PER_DAY));
      if (f === 'STRING' || f === 'VARCHAR') {
        return nullSafe((v) => {
          const ts = parseTimestamp(v as string);
          if (ts === null) fail(`cannot cast ${describe(v)} to ${to.kind} (expected yyyy-MM-dd HH:mm:ss)`);
          return trunc(wallTo(ts));
        });
      }
      return null;
    }
    case 'BINARY':
      if (f === 'BINARY') return identity;
      if (explicit && (f === 'STRING' || f === 'VARCHAR'))
        return nullSafe((v) => new TextEncoder().encode(v as string));
      return null;
    case 'JSON':
      if (f === 'JSON') return identity;
      if (!explicit) return null;
      return nullSafe((v) => toJsonText(toPlain(from, zone)(v)));
    default:
      return typeName(from) === typeName(to) || (from.kind === to.kind && !explicit) ? identity : null;
  }
}

function stringConverter(from: LogicalType, zone: TimeZone, explicit: boolean): Conv | null {
  switch (from.kind) {
    case 'STRING':
    case 'VARCHAR':
    case 'JSON':
      return identity;
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
      return explicit ? nullSafe((v) => String(v)) : null;
    case 'FLOAT':
    case 'DOUBLE':
      return explicit ? nullSafe((v) => formatDouble(v as number)) : null;
    case 'DECIMAL': {
      const s = from.scale;
      return explicit ? nullSafe((v) => formatDecimal(v as bigint, s)) : null;
    }
    case 'BOOLEAN':
      return explicit ? nullSafe((v) => (v ? 'TRUE' : 'FALSE')) : null;
    case 'DATE':
      return explicit ? nullSafe((v) => formatDate(v as number)) : null;
    case 'TIMESTAMP':
      return explicit ? nullSafe((v) => formatTimestamp(v as number)) : null;
    case 'TIMESTAMP_LTZ':
      return explicit ? nullSafe((v) => formatTimestamp(toWall(v as number, zone))) : null;
    case 'BINARY':
      return explicit ? nullSafe((v) => new TextDecoder().decode(v as Uint8Array)) : null;
    default: {
      if (!explicit) return null;
      const plain = toPlain(from, zone);
      return nullSafe((v) => toJsonText(plain(v)));
    }
  }
}

const STRING_TYPE: LogicalType = { kind: 'STRING', nullable: true };
const DOUBLE_TYPE: LogicalType = { kind: 'DOUBLE', nullable: true };
const BIGINT_TYPE: LogicalType = { kind: 'BIGINT', nullable: true };
const BOOLEAN_TYPE: LogicalType = { kind: 'BOOLEAN', nullable: true };
const BINARY_TYPE: LogicalType = { kind: 'BINARY', nullable: true };

/** Coerces a plain (dynamic-mode) value to `to`, by the explicit-cast rules of its run-time kind. */
function fromPlain(to: LogicalType, zone: TimeZone): Conv {
  if (to.kind === 'STRING') return nullSafe(plainToString);
  if (to.kind === 'ARRAY')
    return nullSafe((v) => (Array.isArray(v) ? v : fail(`expected an array, got ${describe(v)}`)));
  if (to.kind === 'ROW' || to.kind === 'MAP') {
    return nullSafe((v) =>
      typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)
        ? v
        : fail(`expected an object, got ${describe(v)}`),
    );
  }
  if (to.kind === 'JSON') return nullSafe(toJsonText);
  const fromString = typedConverter(STRING_TYPE, to, zone, true);
  const fromDouble = typedConverter(DOUBLE_TYPE, to, zone, true);
  const fromBigint = typedConverter(BIGINT_TYPE, to, zone, true);
  const fromBoolean = typedConverter(BOOLEAN_TYPE, to, zone, true);
  const fromBinary = typedConverter(BINARY_TYPE, to, zone, true);
  const target = typeName(to);
  const no = (v: unknown): never => fail(`cannot use ${describe(v)} as ${target}`);
  return (v) => {
    switch (typeof v) {
      case 'string':
        return fromString ? fromString(v) : no(v);
      case 'number':
        if (Number.isInteger(v) && fromBigint && to.kind !== 'DOUBLE' && to.kind !== 'FLOAT') {
          // integers stay exact (DECIMAL, BIGINT)
          return fromBigint(BigInt(v));
        }
        return fromDouble ? fromDouble(v) : no(v);
      case 'bigint':
        return fromBigint ? fromBigint(v) : no(v);
      case 'boolean':
        return fromBoolean ? fromBoolean(v) : no(v);
      case 'undefined':
        return null;
      default:
        if (v === null) return null;
        if (v instanceof Uint8Array && fromBinary) return fromBinary(v);
        return no(v);
    }
  };
}

/** Runtime form of `from` → the plain form dynamic mode hands out. */
export function toPlain(from: XType, zone: TimeZone): Conv {
  switch (from.kind) {
    case 'BIGINT':
      return nullSafe((v) => {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : v;
      });
    case 'DECIMAL': {
      const s = from.scale;
      return nullSafe((v) => formatDecimal(v as bigint, s));
    }
    case 'DATE':
      return nullSafe((v) => formatDate(v as number));
    case 'TIMESTAMP':
      return nullSafe((v) => formatTimestamp(v as number));
    case 'TIMESTAMP_LTZ':
      return nullSafe((v) => formatTimestamp(toWall(v as number, zone)));
    case 'ARRAY': {
      const el = toPlain(from.element, zone);
      return el === identity ? identity : nullSafe((v) => (v as unknown[]).map(el));
    }
    case 'MAP': {
      const val = toPlain(from.value, zone);
      const key = toPlain(from.key, zone);
      return nullSafe((v) => {
        const out: Record<string, unknown> = {};
        for (const [k, x] of v as Map<unknown, unknown>) out[plainToString(key(k))] = val(x);
        return out;
      });
    }
    case 'ROW': {
      const convs = from.fields.map((fd) => [fd.name, toPlain(fd.type, zone)] as const);
      if (convs.every(([, c]) => c === identity)) return identity;
      return nullSafe((v) => {
        const o = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const [name, c] of convs) out[name] = c(o[name] ?? null);
        return out;
      });
    }
    default:
      return identity;
  }
}
