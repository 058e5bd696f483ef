// Rows as JSON text the way Flink's `json` format (timestamp-format.standard = 'SQL', the
// default) reads them, so a Flink SQL table declared over the topic reads every column back:
//   BIGINT          a JSON number, exact even beyond 2^53
//   DECIMAL(p,s)    a JSON number with exactly s decimals
//   FLOAT DOUBLE    a JSON number; NaN / Infinity / -Infinity as strings (Flink parses those)
//   DATE            'yyyy-MM-dd'
//   TIMESTAMP(p)    'yyyy-MM-dd HH:mm:ss' plus p fraction digits
//   TIMESTAMP_LTZ   the same in UTC, followed by 'Z'
//   BINARY          base64
//   ARRAY / MAP / ROW   array / object / object (map keys as text)
//   JSON            the JSON text as a string
// Flink itself writes timestamps with trailing fraction zeros stripped; it reads 0-9 fraction
// digits, so the fixed-precision form here reads back identically.

import { StageError } from '../../core/errors.ts';
import type { Row, Value } from '../../core/record.ts';
import type { Column, LogicalType } from '../../core/types.ts';
import { civilFromDays } from '../../expr/time.ts';

/** The row's columns, in order, as one JSON object. Throws StageError('SINK') for a value not in its type's runtime form. */
export function encodeJsonRow(row: Row, columns: Column[]): string {
  const fields = columns.map(
    (c) => `${JSON.stringify(c.name)}:${encode(row[c.name] ?? null, c.type, c.name)}`,
  );
  return `{${fields.join(',')}}`;
}

/** The columns named by a Kafka sink's `key`, in that order; an unknown name is a plain error. */
export function keyColumns(columns: Column[], key: string[]): Column[] {
  return key.map((name) => {
    const column = columns.find((c) => c.name === name);
    if (!column) {
      throw new Error(
        `key column "${name}" is not a column of the table (columns: ${columns.map((c) => c.name).join(', ')})`,
      );
    }
    return column;
  });
}

function encode(value: Value, type: LogicalType, path: string): string {
  if (value === null || value === undefined) return 'null';
  switch (type.kind) {
    case 'BOOLEAN':
      if (typeof value === 'boolean') return String(value);
      break;
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
      if (typeof value === 'number' && Number.isInteger(value)) return String(value);
      break;
    case 'BIGINT':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
      break;
    case 'FLOAT':
    case 'DOUBLE':
      if (typeof value === 'number')
        return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
      break;
    case 'DECIMAL':
      if (typeof value === 'bigint') return decimalText(value, type.scale);
      break;
    case 'STRING':
    case 'VARCHAR':
    case 'JSON':
      if (typeof value === 'string') return JSON.stringify(value);
      break;
    case 'BINARY':
      if (value instanceof Uint8Array)
        return JSON.stringify(
          Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
        );
      break;
    case 'DATE':
      if (typeof value === 'number' && Number.isInteger(value)) return JSON.stringify(dateText(value));
      break;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      if (typeof value === 'number' && Number.isInteger(value)) {
        return JSON.stringify(
          timestampText(value, type.precision) + (type.kind === 'TIMESTAMP_LTZ' ? 'Z' : ''),
        );
      }
      break;
    case 'ARRAY':
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => encode(v, type.element, `${path}[${i}]`)).join(',')}]`;
      }
      break;
    case 'MAP':
      if (value instanceof Map) {
        const entries = [...value].map(
          ([k, v]) =>
            `${JSON.stringify(mapKey(k, type.key, path))}:${encode(v, type.value, `${path}[${String(k)}]`)}`,
        );
        return `{${entries.join(',')}}`;
      }
      break;
    case 'ROW':
      if (
        typeof value === 'object' &&
        !Array.isArray(value) &&
        !(value instanceof Map) &&
        !(value instanceof Uint8Array)
      ) {
        const record = value as { [field: string]: Value };
        const fields = type.fields.map(
          (f) => `${JSON.stringify(f.name)}:${encode(record[f.name] ?? null, f.type, `${path}.${f.name}`)}`,
        );
        return `{${fields.join(',')}}`;
      }
      break;
  }
  throw new StageError('SINK', `${path}: cannot write ${describe(value)} as JSON for type ${type.kind}`, {
    field: path,
    errorClass: 'TypeError',
  });
}

/** JSON object keys are text: a string key as is, any other key as its JSON scalar text. */
function mapKey(key: Value, type: LogicalType, path: string): string {
  const text = encode(key, type, `${path}(key)`);
  return typeof key === 'string' || text.startsWith('"') ? (JSON.parse(text) as string) : text;
}

function decimalText(unscaled: bigint, scale: number): string {
  if (scale <= 0) return (unscaled * 10n ** BigInt(-scale)).toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Days since 1970-01-01 → yyyy-MM-dd (proleptic Gregorian, like java.time). */
function dateText(days: number): string {
  const { y, m, d } = civilFromDays(days);
  return `${yearText(y)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** java.time's ISO year: 4 digits, a sign beyond 9999 or before year 0. */
function yearText(year: number): string {
  if (year > 9999) return `+${year}`;
  if (year < 0) return `-${pad(-year, 4)}`;
  return pad(year, 4);
}

/** Microseconds since 1970-01-01 00:00:00 → yyyy-MM-dd HH:mm:ss[.fraction of `precision` digits]. */
function timestampText(micros: number, precision: number): string {
  const days = Math.floor(micros / 86_400_000_000);
  const microsOfDay = micros - days * 86_400_000_000;
  const seconds = Math.floor(microsOfDay / 1_000_000);
  const fraction = microsOfDay - seconds * 1_000_000;
  const time = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
  const digits = pad(fraction, 6).padEnd(Math.max(precision, 6), '0').slice(0, precision);
  return `${dateText(days)} ${time}${digits ? `.${digits}` : ''}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof Map) return 'a map';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
