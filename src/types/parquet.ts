// Parquet message schema of a table, in the text form parquet-mr prints (MessageType.toString()).
import type { Column, LogicalType } from '../core/types.ts';
import { checkUniqueColumns } from './columns.ts';

export interface ParquetSchemaOptions {
  /**
   * Annotation for JSON columns. Default STRING: the Hive table declares them STRING, and Hive's
   * Parquet reader does not know the JSON annotation; JSON suits DuckDB/Spark-only readers.
   */
  json?: 'STRING' | 'JSON';
  /** The message name; parquet-mr's default is `schema`. */
  name?: string;
}

/** Smallest byte count whose two's complement holds every unscaled value of DECIMAL(precision). */
export function decimalByteLength(precision: number): number {
  const max = 10n ** BigInt(precision) - 1n;
  let bytes = 1;
  while (max >= 1n << BigInt(8 * bytes - 1)) bytes++;
  return bytes;
}

function timestampUnit(precision: number): string {
  // Row values are microseconds, so precisions 7..9 also store MICROS without losing anything.
  return precision <= 3 ? 'MILLIS' : 'MICROS';
}

function decimalPhysical(precision: number): string {
  if (precision <= 9) return 'int32';
  if (precision <= 18) return 'int64';
  return `fixed_len_byte_array(${decimalByteLength(precision)})`;
}

/** Physical type and annotation of a primitive logical type. */
function primitive(t: LogicalType, options: ParquetSchemaOptions): [string, string | undefined] {
  switch (t.kind) {
    case 'BOOLEAN':
      return ['boolean', undefined];
    case 'TINYINT':
      return ['int32', 'INTEGER(8,true)'];
    case 'SMALLINT':
      return ['int32', 'INTEGER(16,true)'];
    case 'INT':
      return ['int32', undefined];
    case 'BIGINT':
      return ['int64', undefined];
    case 'FLOAT':
      return ['float', undefined];
    case 'DOUBLE':
      return ['double', undefined];
    case 'DECIMAL':
      return [decimalPhysical(t.precision), `DECIMAL(${t.precision},${t.scale})`];
    case 'STRING':
    case 'VARCHAR':
      return ['binary', 'STRING'];
    case 'JSON':
      return ['binary', options.json ?? 'STRING'];
    case 'BINARY':
      return ['binary', undefined];
    case 'DATE':
      return ['int32', 'DATE'];
    case 'TIMESTAMP':
      return ['int64', `TIMESTAMP(${timestampUnit(t.precision)},false)`];
    case 'TIMESTAMP_LTZ':
      return ['int64', `TIMESTAMP(${timestampUnit(t.precision)},true)`];
    default:
      throw new Error(`not a primitive type: ${t.kind}`);
  }
}

function node(
  out: string[],
  indent: string,
  name: string,
  t: LogicalType,
  options: ParquetSchemaOptions,
  repetition = t.nullable ? 'optional' : 'required',
): void {
  const inner = `${indent}  `;
  switch (t.kind) {
    case 'ARRAY':
      out.push(`${indent}${repetition} group ${name} (LIST) {`, `${inner}repeated group list {`);
      node(out, `${inner}  `, 'element', t.element, options);
      out.push(`${inner}}`, `${indent}}`);
      return;
    case 'MAP':
      out.push(`${indent}${repetition} group ${name} (MAP) {`, `${inner}repeated group key_value {`);
      node(out, `${inner}  `, 'key', t.key, options, 'required');
      node(out, `${inner}  `, 'value', t.value, options);
      out.push(`${inner}}`, `${indent}}`);
      return;
    case 'ROW':
      out.push(`${indent}${repetition} group ${name} {`);
      for (const f of t.fields) node(out, inner, f.name, f.type, options);
      out.push(`${indent}}`);
      return;
    default: {
      const [physical, annotation] = primitive(t, options);
      out.push(`${indent}${repetition} ${physical} ${name}${annotation ? ` (${annotation})` : ''};`);
    }
  }
}

/** The Parquet schema of a table's data files, e.g. `message schema {\n  required int64 id;\n}\n`. */
export function parquetSchemaText(columns: Column[], options: ParquetSchemaOptions = {}): string {
  checkUniqueColumns(columns);
  const out = [`message ${options.name ?? 'schema'} {`];
  for (const c of columns) node(out, '  ', c.name, c.type, options);
  out.push('}');
  return out.join('\n') + '\n';
}
