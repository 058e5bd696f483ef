// A column's `default` from weir.yaml (a YAML scalar, list or mapping) in the runtime form of its
// logical type (see src/core/record.ts), so the formatter can use it as is.
import type { Value } from '../core/record.ts';
import type { LogicalType } from '../core/types.ts';

const INT_RANGES: Record<string, [number, number]> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INT: [-2147483648, 2147483647],
};

/** Throws an Error with a plain message when `raw` does not fit `type`. */
export function defaultValue(type: LogicalType, raw: unknown): Value {
  if (raw === null || raw === undefined) {
    if (!type.nullable) throw new Error('a NOT NULL column cannot default to null');
    return null;
  }
  switch (type.kind) {
    case 'BOOLEAN':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw mismatch(raw, 'true or false');
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT': {
      const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      const [lo, hi] = INT_RANGES[type.kind]!;
      if (typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= hi) return n;
      throw mismatch(raw, `a whole number from ${lo} to ${hi}`);
    }
    case 'BIGINT': {
      if (typeof raw === 'bigint') return raw;
      if (typeof raw === 'number' && Number.isSafeInteger(raw)) return BigInt(raw);
      if (typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) {
        const v = BigInt(raw.trim());
        if (v >= -(2n ** 63n) && v < 2n ** 63n) return v;
      }
      throw mismatch(raw, 'a whole number (BIGINT)');
    }
    case 'FLOAT':
    case 'DOUBLE': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof n === 'number' && !Number.isNaN(n)) return n;
      throw mismatch(raw, 'a number');
    }
    case 'DECIMAL':
      return decimal(raw, type.precision, type.scale);
    case 'STRING':
    case 'VARCHAR': {
      if (typeof raw === 'object') throw mismatch(raw, 'a string');
      const s = String(raw);
      if (type.kind === 'VARCHAR' && s.length > type.length) {
        throw new Error(`default is ${s.length} characters, longer than VARCHAR(${type.length})`);
      }
      return s;
    }
    case 'BINARY':
      if (typeof raw === 'string') return new TextEncoder().encode(raw);
      throw mismatch(raw, 'a string');
    case 'DATE': {
      const m = typeof raw === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw.trim()) : null;
      if (!m) throw mismatch(raw, 'a date like 2026-11-25');
      const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
      if (new Date(ms).getUTCDate() !== Number(m[3])) throw mismatch(raw, 'a real calendar date');
      return ms / 86_400_000;
    }
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return timestampMicros(raw);
    case 'JSON':
      return JSON.stringify(raw);
    case 'ARRAY':
      if (!Array.isArray(raw)) throw mismatch(raw, 'a list');
      return raw.map((v) => defaultValue(type.element, v));
    case 'MAP': {
      if (!isMapping(raw)) throw mismatch(raw, 'a mapping');
      const out = new Map<Value, Value>();
      for (const [k, v] of Object.entries(raw))
        out.set(defaultValue(type.key, k), defaultValue(type.value, v));
      return out;
    }
    case 'ROW': {
      if (!isMapping(raw)) throw mismatch(raw, 'a mapping of the ROW fields');
      const known = new Set(type.fields.map((f) => f.name));
      const extra = Object.keys(raw).find((k) => !known.has(k));
      if (extra !== undefined) throw new Error(`default has field "${extra}" that the ROW does not have`);
      const out: { [field: string]: Value } = {};
      for (const f of type.fields) out[f.name] = defaultValue(f.type, raw[f.name] ?? null);
      return out;
    }
  }
}

function decimal(raw: unknown, precision: number, scale: number): bigint {
  const text = typeof raw === 'number' || typeof raw === 'bigint' ? String(raw) : raw;
  const m = typeof text === 'string' ? /^(-?)(\d*)(?:\.(\d*))?$/.exec(text.trim()) : null;
  if (!m || (m[2] === '' && (m[3] ?? '') === ''))
    throw mismatch(raw, `a DECIMAL(${precision},${scale}) number`);
  const frac = m[3] ?? '';
  if (frac.length > scale) throw new Error(`default ${String(raw)} has more than ${scale} decimal places`);
  const digits = (m[2] + frac.padEnd(scale, '0')).replace(/^0+(?=\d)/, '');
  if (digits.length > precision)
    throw new Error(`default ${String(raw)} does not fit DECIMAL(${precision},${scale})`);
  const v = BigInt(digits === '' ? '0' : digits);
  return m[1] === '-' ? -v : v;
}

function timestampMicros(raw: unknown): number {
  const re = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
  const m = typeof raw === 'string' ? re.exec(raw.trim()) : null;
  if (!m) throw mismatch(raw, 'a timestamp like 2026-11-25 10:00:00');
  const ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  );
  if (Number.isNaN(ms)) throw mismatch(raw, 'a valid timestamp');
  return ms * 1000 + Number((m[7] ?? '').padEnd(6, '0').slice(0, 6));
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mismatch(raw: unknown, expected: string): Error {
  const shown = typeof raw === 'string' ? JSON.stringify(raw) : Array.isArray(raw) ? 'a list' : String(raw);
  return new Error(`default ${isMapping(raw) ? 'a mapping' : shown} is not ${expected}`);
}
