// Hive's LazySimpleSerDe text: \001 between fields, deeper levels use the next separator,
// \N for null, and backslash escaping (table property escape.delim='\\').
import type { Row, Value } from '../../core/record.ts';
import type { Column, LogicalType } from '../../core/types.ts';
import { formatDate, formatDecimal, formatTimestamp } from './values.ts';

/** LazySerDeParameters' separators by nesting level (ASCII part; Hive continues with bytes ≥ 0x80). */
export const TEXT_SEPARATORS: string[] = [1, 2, 3, 4, 5, 6, 7, 8, 11]
  .concat(Array.from({ length: 13 }, (_, i) => 14 + i))
  .concat([28, 29, 30, 31])
  .map((c) => String.fromCharCode(c));

export const TEXT_NULL = '\\N';

const NEEDS_ESCAPE = new RegExp(`[\\\\\\r\\n${TEXT_SEPARATORS.join('')}]`, 'g');

/** Backslash-escapes separators, the backslash itself, and CR/LF (as \r and \n), like Hive. */
export function escapeText(s: string): string {
  return s.replace(NEEDS_ESCAPE, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));
}

type Encode = (v: Value) => string;

function sepAt(level: number): string {
  const s = TEXT_SEPARATORS[level];
  if (s === undefined)
    throw new Error(`type nests deeper than the ${TEXT_SEPARATORS.length} text separators`);
  return s;
}

function encoder(t: LogicalType, level: number): Encode {
  const nonNull = encoderNonNull(t, level);
  return (v) => (v === null || v === undefined ? TEXT_NULL : nonNull(v));
}

function encoderNonNull(t: LogicalType, level: number): Encode {
  switch (t.kind) {
    case 'STRING':
    case 'VARCHAR':
    case 'JSON':
      return (v) => escapeText(v as string);
    case 'BINARY':
      return (v) => Buffer.from(v as Uint8Array).toString('base64');
    case 'DECIMAL':
      return (v) => formatDecimal(v as bigint, t.scale);
    case 'DATE':
      return (v) => formatDate(v as number);
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return (v) => formatTimestamp(v as number, t.precision);
    case 'ARRAY': {
      const sep = sepAt(level);
      const el = encoder(t.element, level + 1);
      return (v) => (v as Value[]).map(el).join(sep);
    }
    case 'MAP': {
      const sep = sepAt(level);
      const kvSep = sepAt(level + 1);
      const key = encoder(t.key, level + 2);
      const val = encoder(t.value, level + 2);
      return (v) => {
        const parts: string[] = [];
        for (const [k, x] of v as Map<Value, Value>) parts.push(key(k) + kvSep + val(x));
        return parts.join(sep);
      };
    }
    case 'ROW': {
      const sep = sepAt(level);
      const fields = t.fields.map((f) => ({ name: f.name, enc: encoder(f.type, level + 1) }));
      return (v) => {
        const o = v as { [k: string]: Value };
        return fields.map((f) => f.enc(o[f.name] ?? null)).join(sep);
      };
    }
    default:
      return (v) => String(v);
  }
}

/** Returns a function rendering one row as a text line (without the newline). */
export function textLineEncoder(columns: Column[]): (row: Row) => string {
  const fields = columns.map((c) => ({ name: c.name, enc: encoder(c.type, 1) }));
  const sep = TEXT_SEPARATORS[0]!;
  return (row) => fields.map((f) => f.enc(row[f.name] ?? null)).join(sep);
}
