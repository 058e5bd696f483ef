// Text renderings of runtime values shared by the JSON and text formats and partition paths.
import type { Value } from '../../core/record.ts';
import type { LogicalType } from '../../core/types.ts';
import { civilFromDays, timestampFields } from '../../expr/time.ts';

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

// Unlike expr's formatDate, years past 9999 get no '+', as in warehouse files already written.
function yearText(y: number): string {
  return y < 0 ? `-${pad(-y, 4)}` : pad(y, 4);
}

/** Days since 1970-01-01 → `yyyy-MM-dd`. */
export function formatDate(days: number): string {
  if (!Number.isInteger(days))
    throw new TypeError(`a DATE must be a whole number of days, got ${String(days)}`);
  const { y, m, d } = civilFromDays(days);
  return `${yearText(y)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** Micros since the epoch → `yyyy-MM-dd HH:mm:ss[.fraction]` with `precision` fraction digits. */
export function formatTimestamp(micros: number, precision: number): string {
  if (!Number.isInteger(micros))
    throw new TypeError(`a TIMESTAMP must be whole microseconds, got ${String(micros)}`);
  const f = timestampFields(micros);
  const base = `${formatDate(f.days)} ${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}`;
  if (precision <= 0) return base;
  const digits = pad(f.micro, 6).padEnd(Math.max(precision, 6), '0').slice(0, precision);
  return `${base}.${digits}`;
}

/** Unscaled bigint + scale → exact decimal text, e.g. (-12345n, 2) → `-123.45`. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  if (typeof unscaled !== 'bigint') {
    throw new TypeError(`a DECIMAL must be its unscaled bigint, got ${typeof unscaled} ${String(unscaled)}`);
  }
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/** A primitive value as the text used in partition paths and map keys. */
export function primitiveText(type: LogicalType, v: Value): string {
  switch (type.kind) {
    case 'DATE':
      return formatDate(v as number);
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return formatTimestamp(v as number, type.precision);
    case 'DECIMAL':
      return formatDecimal(v as bigint, type.scale);
    case 'BINARY':
      return Buffer.from(v as Uint8Array).toString('base64');
    default:
      return String(v);
  }
}
