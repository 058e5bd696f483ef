// Hive types and CREATE EXTERNAL TABLE statements for Hive-layout warehouse tables.
import type { Column, LogicalType } from '../core/types.ts';
import { checkUniqueColumns, findColumn, isPrimitive } from './columns.ts';
import { DerivationError } from './errors.ts';
import { printType, quoteIdentifier } from './print.ts';

/** Hive's VARCHAR tops out at 65535; longer limits become STRING. */
export const HIVE_MAX_VARCHAR = 65535;

export interface HiveTableSpec {
  database: string;
  table: string;
  columns: Column[];
  partitionedBy: string[];
  format: 'parquet' | 'json' | 'text';
  location: string;
  properties?: Record<string, string>;
  comment?: string;
}

/** The Hive column type of a logical type. Hive has no NOT NULL for external tables, so nullability is dropped. */
export function hiveType(t: LogicalType): string {
  switch (t.kind) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision},${t.scale})`;
    case 'VARCHAR':
      return t.length <= HIVE_MAX_VARCHAR ? `VARCHAR(${t.length})` : 'STRING';
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return 'TIMESTAMP';
    case 'JSON':
      return 'STRING';
    case 'ARRAY':
      return `ARRAY<${hiveType(t.element)}>`;
    case 'MAP':
      return `MAP<${hiveType(t.key)},${hiveType(t.value)}>`;
    case 'ROW':
      return `STRUCT<${t.fields
        .map(
          (f) =>
            `${quoteIdentifier(f.name)}:${hiveType(f.type)}` +
            (f.comment === undefined ? '' : ` COMMENT ${hiveString(f.comment)}`),
        )
        .join(',')}>`;
    default:
      return t.kind;
  }
}

/**
 * A Hive string literal. Hive unescapes backslash sequences (`\n`, `\'`, octal `\001`), so
 * backslashes and quotes are escaped with a backslash and control characters written in octal.
 */
export function hiveString(text: string): string {
  let out = "'";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\' + code.toString(8).padStart(3, '0');
    else out += ch;
  }
  return out + "'";
}

function columnLine(column: Column): string {
  return (
    `${quoteIdentifier(column.name)} ${hiveType(column.type)}` +
    (column.comment === undefined ? '' : ` COMMENT ${hiveString(column.comment)}`)
  );
}

// Hive's own defaults for ROW FORMAT DELIMITED, spelled out so the table does not depend on them.
const TEXT_FORMAT = [
  'ROW FORMAT DELIMITED',
  "  FIELDS TERMINATED BY '\\001'",
  "  COLLECTION ITEMS TERMINATED BY '\\002'",
  "  MAP KEYS TERMINATED BY '\\003'",
  "  LINES TERMINATED BY '\\n'",
  "  NULL DEFINED AS '\\\\N'",
  'STORED AS TEXTFILE',
];

const STORAGE: Record<HiveTableSpec['format'], string[]> = {
  parquet: ['STORED AS PARQUET'],
  json: ["ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'", 'STORED AS TEXTFILE'],
  text: TEXT_FORMAT,
};

/**
 * `CREATE EXTERNAL TABLE IF NOT EXISTS` for a Hive-layout table. Partition columns leave the data
 * column list (Hive stores them in the path) and keep their type and comment.
 */
export function hiveDdl(spec: HiveTableSpec): string {
  if (spec.database === '') throw new DerivationError('the Hive database name is empty');
  if (spec.table === '') throw new DerivationError('the Hive table name is empty');
  checkUniqueColumns(spec.columns);
  const storage = STORAGE[spec.format];
  if (!storage) {
    throw new DerivationError(`unknown Hive format "${spec.format}" (use parquet, json or text)`);
  }
  const partitions: Column[] = [];
  for (const name of spec.partitionedBy) {
    const column = findColumn(spec.columns, name, 'partition column');
    if (partitions.includes(column))
      throw new DerivationError(`partition column "${name}" is listed twice`, name);
    if (!isPrimitive(column.type)) {
      throw new DerivationError(
        `partition column "${name}" must have a primitive type, got ${printType(column.type)}`,
        name,
      );
    }
    partitions.push(column);
  }
  const data = spec.columns.filter((c) => !partitions.includes(c));
  if (data.length === 0) {
    throw new DerivationError('every column is a partition column; Hive needs at least one data column');
  }

  const lines = [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${quoteIdentifier(spec.database)}.${quoteIdentifier(spec.table)} (`,
    data.map((c) => `  ${columnLine(c)}`).join(',\n'),
    ')',
  ];
  if (spec.comment !== undefined) lines.push(`COMMENT ${hiveString(spec.comment)}`);
  if (partitions.length > 0) lines.push(`PARTITIONED BY (${partitions.map(columnLine).join(', ')})`);
  lines.push(...storage, `LOCATION ${hiveString(spec.location)}`);
  const properties = Object.entries(spec.properties ?? {});
  if (properties.length > 0) {
    lines.push(
      'TBLPROPERTIES (',
      properties.map(([k, v]) => `  ${hiveString(k)}=${hiveString(v)}`).join(',\n'),
      ')',
    );
  }
  return lines.join('\n');
}
