// Rows in a plain, readable JSON form (preview output and pipeline test cases): DECIMAL as
// exact text ("12.50"), DATE/TIMESTAMP as text, BIGINT as a number when it is exact, else text.
import type { Row, Value } from '../core/record.ts';
import type { Column, LogicalType } from '../core/types.ts';
import { formatDate, formatTimestamp } from '../expr/time.ts';

export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

function decimalText(unscaled: bigint, scale: number): string {
  if (scale === 0) return unscaled.toString();
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function plainNumber(n: number): Plain {
  return Number.isFinite(n) ? n : String(n);
}

/** One value of a type in plain form. */
export function plainValue(type: LogicalType, v: Value): Plain {
  if (v === null || v === undefined) return null;
  switch (type.kind) {
    case 'BIGINT':
      return typeof v === 'bigint' &&
        (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
        ? v.toString()
        : Number(v);
    case 'DECIMAL':
      return typeof v === 'bigint' ? decimalText(v, type.scale) : String(v);
    case 'DATE':
      return formatDate(v as number);
    case 'TIMESTAMP':
      return formatTimestamp(v as number);
    case 'TIMESTAMP_LTZ':
      return `${formatTimestamp(v as number)}Z`;
    case 'BINARY':
      return Buffer.from(v as Uint8Array).toString('base64');
    case 'FLOAT':
    case 'DOUBLE':
      return plainNumber(v as number);
    case 'ARRAY':
      return (v as Value[]).map((e) => plainValue(type.element, e));
    case 'MAP': {
      const out: { [key: string]: Plain } = {};
      for (const [k, e] of v as Map<Value, Value>)
        out[String(plainValue(type.key, k))] = plainValue(type.value, e);
      return out;
    }
    case 'ROW': {
      const row = v as { [field: string]: Value };
      const out: { [key: string]: Plain } = {};
      for (const f of type.fields) out[f.name] = plainValue(f.type, row[f.name] ?? null);
      return out;
    }
    default:
      return v as Plain;
  }
}

/** A row in plain form, columns in schema order (only the columns the row has). */
export function plainRow(columns: Column[], row: Row): { [column: string]: Plain } {
  const out: { [column: string]: Plain } = {};
  for (const c of columns) if (c.name in row) out[c.name] = plainValue(c.type, row[c.name] ?? null);
  return out;
}
