// Avro binary encoding of rows (Kafka sinks/sources with format: avro), with avsc.
//
// Runtime forms (src/core/record.ts) ↔ Avro:
//   BIGINT bigint ↔ long          DECIMAL unscaled bigint ↔ bytes (decimal, two's complement)
//   DATE days ↔ int (date)        TIMESTAMP / TIMESTAMP_LTZ micros ↔ long (local-)timestamp-millis/micros
//   BINARY Uint8Array ↔ bytes     MAP Map ↔ map (string keys)   ROW object ↔ record
//   JSON text ↔ string            null ↔ the null branch of ["null", T]
import avro from 'avsc';
import type { Row } from '../../core/record.ts';
import type { Column } from '../../core/types.ts';
import { avroSchema } from '../../types/avro.ts';

type AvscType = avro.Type;
type AvscSchema = Parameters<typeof avro.Type.forSchema>[0];

const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;

/** Avro long as bigint, so BIGINT keeps all 64 bits. */
export const BigLongType = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (n: bigint | number) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (json: unknown) => BigInt(json as number),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) =>
    (typeof n === 'bigint' && n >= MIN_LONG && n <= MAX_LONG) ||
    (typeof n === 'number' && Number.isSafeInteger(n)),
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/** Decimal: the unscaled bigint ↔ big-endian two's complement bytes (or fixed). */
class DecimalType extends avro.types.LogicalType {
  readonly precision: number;
  constructor(schema: AvscSchema, opts?: unknown) {
    super(schema, opts);
    this.precision = (schema as { precision?: number }).precision ?? 38;
  }
  protected override _fromValue(buf: Buffer): bigint {
    return decodeTwosComplement(buf);
  }
  protected override _toValue(v: unknown): unknown {
    if (typeof v !== 'bigint') return v; // the underlying type reports the invalid value
    const underlying = this.underlyingType as AvscType & { size?: number };
    return encodeTwosComplement(v, underlying.typeName === 'fixed' ? underlying.size : undefined);
  }
  protected override _resolve(type: AvscType): ((v: unknown) => unknown) | undefined {
    return type instanceof DecimalType ? (v) => v : undefined;
  }
}

/** A value that cannot be encoded; `path` is filled in on the way out of nested records. */
class ValueError extends Error {
  readonly path: string[] = [];
}

/** Timestamps in microseconds whatever the Avro unit, as Weir's runtime form. */
function timestampType(unitMicros: number) {
  return class TimestampType extends avro.types.LogicalType {
    protected override _fromValue(n: number): number {
      return n * unitMicros;
    }
    protected override _toValue(v: unknown): unknown {
      return typeof v === 'number' ? Math.floor(v / unitMicros) : v;
    }
    protected override _resolve(type: AvscType): ((v: unknown) => unknown) | undefined {
      return type instanceof avro.types.LogicalType && type.typeName.includes('timestamp')
        ? (v) => v
        : undefined;
    }
  };
}

const LOGICAL_TYPES = {
  decimal: DecimalType,
  'timestamp-millis': timestampType(1000),
  'timestamp-micros': timestampType(1),
  'local-timestamp-millis': timestampType(1000),
  'local-timestamp-micros': timestampType(1),
};

export function decodeTwosComplement(buf: Uint8Array): bigint {
  if (buf.length === 0) return 0n;
  let n = 0n;
  for (const b of buf) n = (n << 8n) | BigInt(b);
  return buf[0]! & 0x80 ? n - (1n << BigInt(buf.length * 8)) : n;
}

function encodeTwosComplement(v: bigint, size?: number): Buffer {
  const bytes: number[] = [];
  let n = v;
  // emit bytes until what remains is only sign extension of the last byte emitted
  do {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (!((n === 0n && (bytes[0]! & 0x80) === 0) || (n === -1n && (bytes[0]! & 0x80) !== 0)));
  if (size !== undefined) {
    if (bytes.length > size) throw new Error(`decimal value ${v} does not fit in ${size} bytes`);
    while (bytes.length < size) bytes.unshift(v < 0n ? 0xff : 0);
  }
  return Buffer.from(bytes);
}

type Convert = (v: unknown) => unknown;

/** Converters between Weir's runtime values and avsc's (Buffers, plain objects for maps). */
function converters(type: AvscType, cache = new Map<AvscType, { to: Convert; from: Convert }>()) {
  const cached = cache.get(type);
  if (cached) return cached;
  // placeholders first: recursive records reach themselves through the cache
  const conv: { to: Convert; from: Convert } = { to: (v) => v, from: (v) => v };
  cache.set(type, conv);
  const name = type.typeName;
  if (name === 'record' || name === 'error') {
    const fields = (type as AvscType & { fields: { name: string; type: AvscType }[] }).fields.map((f) => ({
      name: f.name,
      c: converters(f.type, cache),
    }));
    conv.to = (v) => {
      if (v === null || typeof v !== 'object') return v;
      const row = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        try {
          out[f.name] = f.c.to(row[f.name] === undefined ? null : row[f.name]);
        } catch (err) {
          if (err instanceof ValueError) err.path.unshift(f.name);
          throw err;
        }
      }
      return out;
    };
    conv.from = (v) => {
      const rec = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of fields) out[f.name] = f.c.from(rec[f.name]);
      return out;
    };
  } else if (name === 'array') {
    const items = converters((type as avro.types.ArrayType).itemsType, cache);
    conv.to = (v) => (Array.isArray(v) ? v.map(items.to) : v);
    conv.from = (v) => (v as unknown[]).map(items.from);
  } else if (name === 'map') {
    const values = converters((type as avro.types.MapType).valuesType as AvscType, cache);
    conv.to = (v) => {
      const entries =
        v instanceof Map ? [...v.entries()] : v && typeof v === 'object' ? Object.entries(v) : null;
      if (!entries) return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of entries) out[String(k)] = values.to(x);
      return out;
    };
    conv.from = (v) => new Map(Object.entries(v as object).map(([k, x]) => [k, values.from(x)]));
  } else if (name === 'union:unwrapped') {
    const branches = (type as AvscType & { types: AvscType[] }).types
      .filter((t) => t.typeName !== 'null')
      .map((t) => ({ t, c: converters(t, cache) }));
    const pick = (v: unknown, dir: 'to' | 'from') => {
      if (branches.length === 1) return branches[0]!.c[dir](v);
      for (const b of branches) {
        const x = b.c[dir](v);
        if (b.t.isValid(dir === 'to' ? x : v)) return x;
      }
      return v;
    };
    conv.to = (v) => (v === null || v === undefined ? null : pick(v, 'to'));
    conv.from = (v) => (v === null ? null : pick(v, 'from'));
  } else if (name === 'union:wrapped') {
    const branches = (type as AvscType & { types: AvscType[] }).types.map((t) => ({
      t,
      c: converters(t, cache),
    }));
    conv.to = (v) => {
      if (v === null || v === undefined) return null;
      for (const b of branches) {
        const x = b.c.to(v);
        if (b.t.typeName !== 'null' && b.t.isValid(x)) return { [b.t.branchName!]: x };
      }
      return v;
    };
    conv.from = (v) => {
      if (v === null) return null;
      const [key] = Object.keys(v as object);
      const b = branches.find((x) => x.t.branchName === key);
      return b ? b.c.from((v as Record<string, unknown>)[key!]) : v;
    };
  } else if (name === 'logical:decimal') {
    const precision = (type as AvscType & { precision?: number }).precision ?? 38;
    conv.to = (v) => {
      if (typeof v !== 'bigint') return v;
      const digits = (v < 0n ? -v : v).toString().length;
      if (digits > precision) {
        throw new ValueError(`${v} (unscaled) has ${digits} digits, more than its precision ${precision}`);
      }
      return v;
    };
  } else if (name === 'bytes' || name === 'fixed') {
    conv.to = (v) =>
      v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
    conv.from = (v) => new Uint8Array(v as Buffer);
  }
  return conv;
}

export interface AvroRowCodec {
  /** The Avro schema (JSON) the codec writes and reads. */
  schema: object;
  /** Avro binary of a row; throws an Error naming the field when a value does not fit the schema. */
  encode(row: Row): Buffer;
  /** The row in Weir's runtime forms. */
  decode(buf: Uint8Array): Row;
}

/** A codec for any Avro record schema (e.g. a writer schema fetched from the registry). */
export function avroCodec(schema: object): AvroRowCodec {
  const type = avro.Type.forSchema(schema as AvscSchema, {
    logicalTypes: LOGICAL_TYPES as never,
    registry: { long: BigLongType },
  });
  if (type.typeName !== 'record') throw new Error(`the Avro schema must be a record, not ${type.typeName}`);
  const conv = converters(type);
  return {
    schema,
    encode(row) {
      let value: unknown;
      try {
        value = conv.to(row);
      } catch (err) {
        if (!(err instanceof ValueError)) throw err;
        throw new Error(`cannot encode the row as Avro: field "${err.path.join('.')}": ${err.message}`);
      }
      try {
        return type.toBuffer(value);
      } catch (err) {
        throw new Error(
          `cannot encode the row as Avro: ${invalidPath(type, value) ?? (err as Error).message}`,
          {
            cause: err,
          },
        );
      }
    },
    decode(buf) {
      const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
      return conv.from(type.fromBuffer(bytes)) as Row;
    },
  };
}

function invalidPath(type: AvscType, value: unknown): string | undefined {
  let found: string | undefined;
  try {
    type.isValid(value, {
      errorHook: (path: string[], v: unknown, t: AvscType) => {
        found ??= `field "${path.join('.')}": ${show(v)} is not a valid ${t.typeName.replace('union:unwrapped', 'value')}`;
      },
    });
  } catch (err) {
    return (err as Error).message;
  }
  return found;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'null (missing)';
  if (typeof v === 'bigint') return `${v}n`;
  if (Buffer.isBuffer(v)) return `${v.length} bytes`;
  const text =
    typeof v === 'object' ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}` : x)) : String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The codec of a table's rows: the schema is derived from the columns (src/types/avro.ts). */
export function createAvroRowCodec(columns: Column[], name: string, namespace?: string): AvroRowCodec {
  return avroCodec(avroSchema(name, columns, namespace));
}
