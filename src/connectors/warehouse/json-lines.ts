// JSON lines readable by Hive's JSON SerDe: one object per row, exact BIGINT/DECIMAL number text.
import type { Row, Value } from '../../core/record.ts';
import type { Column, LogicalType } from '../../core/types.ts';
import { formatDate, formatDecimal, formatTimestamp, primitiveText } from './values.ts';

type Encode = (v: Value) => string;

function encoder(t: LogicalType): Encode {
  const nonNull = encoderNonNull(t);
  return (v) => (v === null || v === undefined ? 'null' : nonNull(v));
}

function encoderNonNull(t: LogicalType): Encode {
  switch (t.kind) {
    case 'BOOLEAN':
      return (v) => (v ? 'true' : 'false');
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
      return (v) => String(v);
    case 'FLOAT':
    case 'DOUBLE':
      // JSON has no NaN/Infinity; Hive's JSON SerDe reads these strings back as doubles.
      return (v) => (Number.isFinite(v as number) ? String(v) : JSON.stringify(String(v)));
    case 'DECIMAL':
      return (v) => formatDecimal(v as bigint, t.scale);
    case 'STRING':
    case 'VARCHAR':
    case 'JSON':
      return (v) => JSON.stringify(v);
    case 'BINARY':
      return (v) => `"${Buffer.from(v as Uint8Array).toString('base64')}"`;
    case 'DATE':
      return (v) => `"${formatDate(v as number)}"`;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return (v) => `"${formatTimestamp(v as number, t.precision)}"`;
    case 'ARRAY': {
      const el = encoder(t.element);
      return (v) => `[${(v as Value[]).map(el).join(',')}]`;
    }
    case 'MAP': {
      const val = encoder(t.value);
      const keyType = t.key;
      return (v) => {
        const parts: string[] = [];
        for (const [k, x] of v as Map<Value, Value>) {
          parts.push(`${JSON.stringify(primitiveText(keyType, k))}:${val(x)}`);
        }
        return `{${parts.join(',')}}`;
      };
    }
    case 'ROW': {
      const fields = t.fields.map((f) => ({
        key: JSON.stringify(f.name),
        name: f.name,
        enc: encoder(f.type),
      }));
      return (v) => {
        const o = v as { [k: string]: Value };
        return `{${fields.map((f) => `${f.key}:${f.enc(o[f.name] ?? null)}`).join(',')}}`;
      };
    }
  }
}

/** Returns a function rendering one row as a JSON object line (without the newline). */
export function jsonLineEncoder(columns: Column[]): (row: Row) => string {
  const fields = columns.map((c) => ({ key: JSON.stringify(c.name), name: c.name, enc: encoder(c.type) }));
  return (row) => `{${fields.map((f) => `${f.key}:${f.enc(row[f.name] ?? null)}`).join(',')}}`;
}
