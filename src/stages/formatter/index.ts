// The formatter: casts a parsed/extended record to the table schema, producing a Row.
// One caster per column, compiled once; see casters.ts for the cast rules.
import { StageError } from '../../core/errors.ts';
import type { ParsedRecord, Row, Value } from '../../core/record.ts';
import type { Column, LogicalType } from '../../core/types.ts';
import { type Caster, compileCaster } from './casters.ts';

export { type Caster, type CasterOptions, compileCaster } from './casters.ts';
export { typeName } from './type-name.ts';

type Getter = (rec: ParsedRecord) => unknown;

/** Reads `from` (default: the column name); a dotted path walks nested objects unless the record has that exact key. */
/** Names every plain object inherits (constructor, toString, __proto__…): read as own fields only. */
const inherited = (name: string) => name in Object.prototype;

function compileGetter(from: string): Getter {
  if (!from.includes('.')) {
    return inherited(from) ? (rec) => (Object.hasOwn(rec, from) ? rec[from] : undefined) : (rec) => rec[from];
  }
  const steps = from.split('.');
  return (rec) => {
    if (Object.hasOwn(rec, from)) return rec[from];
    let cur: unknown = rec;
    for (const step of steps) {
      if (typeof cur !== 'object' || cur === null || (inherited(step) && !Object.hasOwn(cur, step)))
        return undefined;
      cur = (cur as Record<string, unknown>)[step];
    }
    return cur;
  };
}

/** Whether a default already has the runtime form (config/defaults.ts converts them); else it is cast here. */
function isRuntimeForm(type: LogicalType, v: unknown): boolean {
  switch (type.kind) {
    case 'BOOLEAN':
      return typeof v === 'boolean';
    case 'BIGINT':
    case 'DECIMAL':
      return typeof v === 'bigint';
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'DATE':
      return Number.isInteger(v);
    case 'FLOAT':
    case 'DOUBLE':
      return typeof v === 'number';
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return Number.isInteger(v);
    case 'STRING':
    case 'VARCHAR':
    case 'JSON':
      return typeof v === 'string';
    case 'BINARY':
      return v instanceof Uint8Array;
    case 'ARRAY':
      return Array.isArray(v);
    case 'MAP':
      return v instanceof Map;
    case 'ROW':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
  }
}

function compileColumn(column: Column): (rec: ParsedRecord) => Value {
  const get = compileGetter(column.from ?? column.name);
  let cast: Caster;
  try {
    // Nullability of the column itself is handled here (default first); nested types keep theirs.
    cast = compileCaster(
      { ...column.type, nullable: true },
      { formats: column.formats, timezone: column.timezone },
    );
  } catch (e) {
    throw new Error(`column ${column.name}: ${(e as Error).message}`);
  }
  const name = column.name;
  const nullOnError = column.onError === 'null';
  let fallback: Value = null;
  const hasDefault = column.default !== undefined && column.default !== null;
  if (hasDefault) {
    try {
      fallback = isRuntimeForm(column.type, column.default)
        ? (column.default as Value)
        : cast(column.default);
    } catch (e) {
      throw new Error(
        `column ${name}: the default ${JSON.stringify(String(column.default))} does not fit: ${(e as Error).message}`,
      );
    }
  }
  const nullable = column.type.nullable;

  const missing = (): Value => {
    if (hasDefault) return fallback;
    if (nullable) return null;
    throw new StageError('NOT_NULL', `column ${name} is NOT NULL but the record has no value for it`, {
      field: name,
    });
  };

  return (rec) => {
    const raw = get(rec);
    if (raw === undefined || raw === null) return missing();
    try {
      const v = cast(raw);
      return v === null ? missing() : v;
    } catch (e) {
      if (!(e instanceof StageError)) throw e;
      if (nullOnError && e.code === 'CAST') return missing();
      const where = `${name}${e.field ?? ''}`;
      throw new StageError(e.code, `column ${where}: ${e.message}`, { field: name });
    }
  };
}

/** Compiles the formatter of a table schema: record → Row with every column, in order. Throws StageError CAST / NOT_NULL. */
export function compileFormatter(columns: Column[]): (rec: ParsedRecord) => Row {
  const compiled = columns.map((c) => ({ name: c.name, value: compileColumn(c) }));
  // `row.__proto__ = v` would set the prototype, not a field: that one column is defined instead.
  if (compiled.some((c) => c.name === '__proto__')) {
    return (rec) => {
      const row: Row = {};
      for (const { name, value } of compiled) {
        Object.defineProperty(row, name, {
          value: value(rec),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return row;
    };
  }
  return (rec) => {
    const row: Row = {};
    for (const { name, value } of compiled) row[name] = value(rec);
    return row;
  };
}
