// One caster per logical type, compiled once per column: a closure from any parsed value to
// the type's runtime form (src/core/record.ts). Failures throw StageError CAST / NOT_NULL with
// a plain message; `field` holds the path inside a nested value (`[2].price`), if any.
//
// Input rules worth knowing:
// - An empty (or blank) string is null for every type except STRING, VARCHAR and JSON.
// - Numbers must fit: "12.0" → INT 12, "12.5" → INT is an error (never truncated); ranges are checked.
// - DECIMAL is exact: strings and the shortest text of a number, rounded HALF_UP to the scale.
// - Epoch numbers for DATE/TIMESTAMP: |n| ≥ 1e11 is milliseconds, smaller is seconds.
// - TIMESTAMP is a wall clock: a string with an offset (or an epoch) is shown in the column's
//   `timezone` (default UTC). TIMESTAMP_LTZ is an instant: a zone-less string is read in `timezone`.
// - JSON takes any value as-is (a string becomes a JSON string); STRING takes objects as JSON text.
import { StageError } from '../../core/errors.ts';
import type { Value } from '../../core/record.ts';
import type { LogicalType } from '../../core/types.ts';
import { compileTimeFormat, daysFromCivil, MICROS_PER_DAY } from '../../expr/time.ts';
import {
  type Decimal,
  decimalOfNumber,
  digitCount,
  integerOf,
  parseDecimal,
  pow10,
  rescale,
} from './decimal.ts';
import { jsonText } from './json-text.ts';
import {
  checkTimeZone,
  epochToMicros,
  instantToWallMicros,
  parseIso,
  wallToInstantMicros,
} from './temporal.ts';
import { typeName } from './type-name.ts';

export interface CasterOptions {
  /** Input patterns (Java SimpleDateFormat) tried in order for DATE/TIMESTAMP strings; default: ISO-8601. */
  formats?: string[];
  /** IANA zone for zone-less timestamp strings (TIMESTAMP_LTZ) and for showing instants (TIMESTAMP, DATE). */
  timezone?: string;
}

/** Casts one value (null/undefined included) to the runtime form of its type; throws StageError. */
export type Caster = (value: unknown) => Value;

type NonNullCaster = (value: NonNullable<unknown>) => Value;

/** Compiles the caster of a type. Throws a plain Error when the options are invalid (unknown zone, bad pattern). */
export function compileCaster(type: LogicalType, opts: CasterOptions = {}): Caster {
  if (opts.timezone !== undefined) checkTimeZone(opts.timezone);
  const cast = nonNullCaster(type, opts);
  const name = typeName(type);
  const nullable = type.nullable;
  const blankIsNull = !(type.kind === 'STRING' || type.kind === 'VARCHAR' || type.kind === 'JSON');
  return (value) => {
    if (value === null || value === undefined || (blankIsNull && isBlank(value))) {
      if (nullable) return null;
      throw new StageError('NOT_NULL', `null, but the type is ${name} NOT NULL`);
    }
    return cast(value);
  };
}

function isBlank(v: unknown): boolean {
  return typeof v === 'string' && v.trim() === '';
}

/** A value as it appears in a message: strings quoted, long things shortened. */
export function show(v: unknown): string {
  let text: string;
  if (typeof v === 'string') text = JSON.stringify(v);
  else if (typeof v === 'bigint') text = v.toString();
  else if (v instanceof Uint8Array) text = `${v.length} bytes`;
  else if (typeof v === 'object' && v !== null) text = jsonText(v);
  else text = String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fail(v: unknown, type: LogicalType, why = ''): never {
  throw new StageError('CAST', `${show(v)} is not ${article(type)} ${typeName(type)}${why}`);
}

function article(type: LogicalType): string {
  return /^[AEIO]/.test(type.kind) ? 'an' : 'a';
}

function nonNullCaster(type: LogicalType, opts: CasterOptions): NonNullCaster {
  switch (type.kind) {
    case 'BOOLEAN':
      return (v) => castBoolean(v, type);
    case 'TINYINT':
      return smallIntCaster(type, -128, 127);
    case 'SMALLINT':
      return smallIntCaster(type, -32768, 32767);
    case 'INT':
      return smallIntCaster(type, -2147483648, 2147483647);
    case 'BIGINT':
      return bigintCaster(type);
    case 'FLOAT':
    case 'DOUBLE':
      return floatCaster(type);
    case 'DECIMAL':
      return decimalCaster(type, type.precision, type.scale);
    case 'STRING':
      return stringOf;
    case 'VARCHAR':
      return varcharCaster(type, type.length);
    case 'BINARY':
      return (v) => castBinary(v, type);
    case 'JSON':
      return (v) => jsonText(v);
    case 'DATE':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return temporalCaster(type, opts);
    case 'ARRAY':
      return arrayCaster(type, type.element, opts);
    case 'MAP':
      return mapCaster(type, type.key, type.value, opts);
    case 'ROW':
      return rowCaster(type, type.fields, opts);
  }
}

function castBoolean(v: unknown, type: LogicalType): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 1n) return true;
  if (v === 0 || v === 0n) return false;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
  }
  return fail(v, type);
}

/** The exact integer a value denotes, or a CAST failure (fractional, not numeric). */
function exactInteger(v: unknown, type: LogicalType): bigint | number {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return v;
    return fail(v, type, Number.isFinite(v) ? ' (it has a fractional part)' : '');
  }
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string') {
    const d = parseDecimal(v);
    if (!d) return fail(v, type);
    const i = integerOf(d);
    if (i === null) return fail(v, type, ' (it has a fractional part)');
    return i;
  }
  return fail(v, type);
}

function smallIntCaster(type: LogicalType, min: number, max: number): NonNullCaster {
  return (v) => {
    const i = exactInteger(v, type);
    if (i < min || i > max)
      throw new StageError('CAST', `${show(v)} is out of range for ${type.kind} (${min}..${max})`);
    return Number(i);
  };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function bigintCaster(type: LogicalType): NonNullCaster {
  return (v) => {
    const i = exactInteger(v, type);
    const b = typeof i === 'bigint' ? i : BigInt(i);
    if (b < INT64_MIN || b > INT64_MAX) throw new StageError('CAST', `${show(v)} is out of range for BIGINT`);
    return b;
  };
}

const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const FLOAT_MAX = 3.4028234663852886e38;

function floatCaster(type: LogicalType): NonNullCaster {
  const isFloat = type.kind === 'FLOAT';
  return (v) => {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'bigint') n = Number(v);
    else if (typeof v === 'string') {
      const t = v.trim();
      if (FLOAT_TEXT.test(t)) n = Number(t);
      else if (t === 'NaN') n = Number.NaN;
      else if (t === 'Infinity' || t === '+Infinity') n = Number.POSITIVE_INFINITY;
      else if (t === '-Infinity') n = Number.NEGATIVE_INFINITY;
      else return fail(v, type);
    } else return fail(v, type);
    if (isFloat && Number.isFinite(n) && Math.abs(n) > FLOAT_MAX)
      throw new StageError('CAST', `${show(v)} is out of range for FLOAT`);
    return n;
  };
}

function decimalCaster(type: LogicalType, precision: number, scale: number): NonNullCaster {
  const limit = pow10(precision);
  return (v) => {
    let d: Decimal | null = null;
    if (typeof v === 'string') d = parseDecimal(v);
    else if (typeof v === 'number') d = decimalOfNumber(v);
    else if (typeof v === 'bigint') d = { unscaled: v, scale: 0 };
    if (!d) return fail(v, type);
    const unscaled = rescale(d, scale);
    if (unscaled >= limit || unscaled <= -limit) {
      const intDigits = digitCount(unscaled) - scale;
      throw new StageError(
        'CAST',
        `${show(v)} does not fit ${typeName(type)} (${intDigits} digits before the point, at most ${precision - scale})`,
      );
    }
    return unscaled;
  };
}

function stringOf(v: unknown): string {
  if (typeof v === 'string') {
    // A lone surrogate (JSON's "\ud800") is not a character: UTF-8 files cannot hold it.
    if (!v.isWellFormed()) {
      const at = [...v].findIndex((ch) => ch.length === 1 && ch >= '\ud800' && ch <= '\udfff');
      const code = v.codePointAt([...v].slice(0, at).join('').length)!;
      throw new StageError(
        'CAST',
        `the text holds a lone surrogate \\u${code.toString(16)} (half of a UTF-16 pair, not a character), which no UTF-8 file can store`,
      );
    }
    return v;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return jsonText(v);
}

function varcharCaster(type: LogicalType, length: number): NonNullCaster {
  return (v) => {
    const s = stringOf(v);
    // UTF-16 length is an upper bound of the code point count: count only when it may be over.
    if (s.length > length) {
      let count = 0;
      for (const _ of s) count++;
      if (count > length)
        throw new StageError('CAST', `${show(v)} is longer than ${typeName(type)} (${count} characters)`);
    }
    return s;
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function castBinary(v: unknown, type: LogicalType): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (BASE64.test(t)) return Uint8Array.from(Buffer.from(t, 'base64'));
    if (BASE64URL.test(t) && t.length % 4 !== 1) return Uint8Array.from(Buffer.from(t, 'base64url'));
    return fail(v, type, ' (expected base64 text)');
  }
  return fail(v, type);
}

const MIN_MICROS = daysFromCivil(1, 1, 1) * MICROS_PER_DAY;
const MAX_MICROS = daysFromCivil(10000, 1, 1) * MICROS_PER_DAY - 1;
const EPOCH_TEXT = /^[+-]?\d{1,20}(\.\d+)?$/;

/** Instant (µs) → what the type stores. */
type FromInstant = (micros: number) => number;
/** Wall clock (µs, as written without zone) → what the type stores. */
type FromWall = (micros: number) => number;

function temporalCaster(type: LogicalType, opts: CasterOptions): NonNullCaster {
  const zone = opts.timezone ?? 'UTC';
  const precision = type.kind === 'DATE' ? 6 : (type as { precision: number }).precision;
  const unit = precision >= 6 ? 1 : 10 ** (6 - precision);
  const truncate = (micros: number) => (unit === 1 ? micros : micros - (((micros % unit) + unit) % unit));
  const toDays = (micros: number) => Math.floor(micros / MICROS_PER_DAY);

  let fromInstant: FromInstant;
  let fromWall: FromWall;
  if (type.kind === 'TIMESTAMP_LTZ') {
    fromInstant = truncate;
    fromWall = (w) => truncate(wallToInstantMicros(w, zone));
  } else if (type.kind === 'TIMESTAMP') {
    fromInstant = (i) => truncate(instantToWallMicros(i, zone));
    fromWall = truncate;
  } else {
    fromInstant = (i) => toDays(instantToWallMicros(i, zone));
    fromWall = toDays;
  }

  // Custom patterns: TIMESTAMP_LTZ parses to an instant in the zone; the others read a wall clock.
  const patterns = (opts.formats ?? []).map((pattern) => {
    try {
      const f = compileTimeFormat(pattern, type.kind === 'TIMESTAMP_LTZ' ? zone : undefined);
      return type.kind === 'TIMESTAMP_LTZ'
        ? (text: string) => {
            const m = f.parse(text);
            return m === null ? null : fromInstant(m);
          }
        : (text: string) => {
            const m = f.parse(text);
            return m === null ? null : fromWall(m);
          };
    } catch (e) {
      throw new Error(`bad ${type.kind} format "${pattern}": ${(e as Error).message}`);
    }
  });

  const inRange = (v: unknown, micros: number) => {
    if (!(micros >= MIN_MICROS && micros <= MAX_MICROS))
      throw new StageError('CAST', `${show(v)} is outside the years 0001..9999 for ${typeName(type)}`);
  };
  const fromEpoch = (v: unknown, n: number) => {
    if (!Number.isFinite(n)) return fail(v, type);
    const micros = epochToMicros(n);
    inRange(v, micros);
    return fromInstant(micros);
  };

  return (v) => {
    if (typeof v === 'number') return fromEpoch(v, v);
    if (typeof v === 'bigint') return fromEpoch(v, Number(v));
    if (typeof v !== 'string') return fail(v, type);
    for (const parse of patterns) {
      const r = parse(v);
      if (r !== null) return r;
    }
    if (patterns.length === 0) {
      const iso = parseIso(v);
      if (iso) {
        inRange(v, iso.wallMicros);
        if (iso.offsetMinutes === undefined) return fromWall(iso.wallMicros);
        const instant = iso.wallMicros - iso.offsetMinutes * 60_000_000;
        inRange(v, instant);
        return fromInstant(instant);
      }
    }
    const t = v.trim();
    if (EPOCH_TEXT.test(t)) return fromEpoch(v, Number(t));
    const expected = patterns.length ? opts.formats!.join(' or ') : 'yyyy-MM-dd HH:mm:ss or ISO-8601';
    return fail(v, type, ` (expected ${expected})`);
  };
}

function withPath(e: unknown, step: string): never {
  if (e instanceof StageError) throw new StageError(e.code, e.message, { field: `${step}${e.field ?? ''}` });
  throw e;
}

function arrayCaster(type: LogicalType, element: LogicalType, opts: CasterOptions): NonNullCaster {
  const castElement = compileCaster(element, opts);
  return (v) => {
    if (!Array.isArray(v)) return fail(v, type);
    const out: Value[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      try {
        out[i] = castElement(v[i]);
      } catch (e) {
        withPath(e, `[${i}]`);
      }
    }
    return out;
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof Map)
  );
}

function mapCaster(
  type: LogicalType,
  key: LogicalType,
  value: LogicalType,
  opts: CasterOptions,
): NonNullCaster {
  const castKey = compileCaster(key, opts);
  const castValue = compileCaster(value, opts);
  return (v) => {
    let entries: Iterable<[unknown, unknown]>;
    if (v instanceof Map) entries = v.entries();
    else if (isPlainObject(v)) entries = Object.entries(v);
    else return fail(v, type);
    const out = new Map<Value, Value>();
    for (const [k, item] of entries) {
      const step = `[${JSON.stringify(String(k))}]`;
      let ck: Value;
      try {
        ck = castKey(k);
      } catch (e) {
        withPath(e, step);
      }
      try {
        out.set(ck, castValue(item));
      } catch (e) {
        withPath(e, step);
      }
    }
    return out;
  };
}

function rowCaster(
  type: LogicalType,
  fields: { name: string; type: LogicalType }[],
  opts: CasterOptions,
): NonNullCaster {
  const casters = fields.map((f) => ({ name: f.name, cast: compileCaster(f.type, opts) }));
  return (v) => {
    if (!isPlainObject(v)) return fail(v, type);
    const out: { [field: string]: Value } = {};
    for (const { name, cast } of casters) {
      try {
        out[name] = cast(Object.hasOwn(v, name) ? v[name] : undefined);
      } catch (e) {
        withPath(e, `.${name}`);
      }
    }
    return out;
  };
}
