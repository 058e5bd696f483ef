// Hive types and CREATE EXTERNAL TABLE statements for Hive-layout warehouse tables, and the Spark SQL
// CREATE TABLE statements for the same tables.
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

// Weir's text writer (src/connectors/warehouse/text-lines.ts): LazySimpleSerDe's default separators
// and null, and backslash escaping of the separators, the backslash, CR and LF (as \r and \n).
// ESCAPED BY makes readers (Hive, Spark) unescape it; serialization.escape.crlf makes Hive and Spark
// write CR and LF the same way when they insert into the table; extend.nesting.levels gives Hive
// the separators Weir uses below the eighth nesting level (\013, \016 …) instead of failing.
const TEXT_FORMAT = [
  'ROW FORMAT DELIMITED',
  "  FIELDS TERMINATED BY '\\001' ESCAPED BY '\\\\'",
  "  COLLECTION ITEMS TERMINATED BY '\\002'",
  "  MAP KEYS TERMINATED BY '\\003'",
  "  LINES TERMINATED BY '\\n'",
  "  NULL DEFINED AS '\\\\N'",
  'STORED AS TEXTFILE',
];
const TEXT_PROPERTIES: Record<string, string> = {
  'serialization.escape.crlf': 'true',
  'hive.serialization.extend.nesting.levels': 'true',
};

/** The Maven artifact holding the Hive JSON SerDe; Hive and Spark need it added. */
export const HIVE_JSON_SERDE_JAR = 'org.apache.hive.hcatalog:hive-hcatalog-core';

const JSON_NOTE = [
  `-- org.apache.hive.hcatalog.data.JsonSerDe is in the jar ${HIVE_JSON_SERDE_JAR}`,
  "-- of your Hive's version (2.3.10 for Spark 4's built-in Hive): ADD JAR it in Hive, give it to Spark",
  '-- with --jars or spark.jars.packages, or use weir ddl --dialect spark (no jar needed).',
];

const STORAGE: Record<HiveTableSpec['format'], string[]> = {
  parquet: ['STORED AS PARQUET'],
  json: ["ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'", 'STORED AS TEXTFILE'],
  text: TEXT_FORMAT,
};

/** Checks the spec and splits its columns into data columns and partition columns (in order). */
function splitColumns(spec: HiveTableSpec): { data: Column[]; partitions: Column[] } {
  if (spec.database === '') throw new DerivationError('the Hive database name is empty');
  if (spec.table === '') throw new DerivationError('the Hive table name is empty');
  checkUniqueColumns(spec.columns);
  if (!STORAGE[spec.format]) {
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
  return { data, partitions };
}

function tableName(spec: HiveTableSpec): string {
  return `${quoteIdentifier(spec.database)}.${quoteIdentifier(spec.table)}`;
}

function propertiesLines(properties: Record<string, string>): string[] {
  const entries = Object.entries(properties);
  if (entries.length === 0) return [];
  return ['TBLPROPERTIES (', entries.map(([k, v]) => `  ${hiveString(k)}=${hiveString(v)}`).join(',\n'), ')'];
}

/**
 * `CREATE EXTERNAL TABLE IF NOT EXISTS` for a Hive-layout table. Partition columns leave the data
 * column list (Hive stores them in the path) and keep their type and comment.
 */
export function hiveDdl(spec: HiveTableSpec): string {
  const { data, partitions } = splitColumns(spec);
  const lines = [
    ...(spec.format === 'json' ? JSON_NOTE : []),
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${tableName(spec)} (`,
    data.map((c) => `  ${columnLine(c)}`).join(',\n'),
    ')',
  ];
  if (spec.comment !== undefined) lines.push(`COMMENT ${hiveString(spec.comment)}`);
  if (partitions.length > 0) lines.push(`PARTITIONED BY (${partitions.map(columnLine).join(', ')})`);
  lines.push(...STORAGE[spec.format], `LOCATION ${hiveString(spec.location)}`);
  const properties = spec.format === 'text' ? { ...TEXT_PROPERTIES, ...spec.properties } : spec.properties;
  lines.push(...propertiesLines(properties ?? {}));
  return lines.join('\n');
}

/**
 * The Spark SQL type of a logical type. TIMESTAMP has no zone (Spark's TIMESTAMP_NTZ); Spark's
 * TIMESTAMP is an instant (TIMESTAMP_LTZ). With `stringKeys`, map keys are STRING: Spark's JSON
 * reader reads every map key as text, so a MAP<INT, ...> declared as such fails to read.
 */
export function sparkType(t: LogicalType, stringKeys = false): string {
  switch (t.kind) {
    case 'TIMESTAMP':
      return 'TIMESTAMP_NTZ';
    case 'TIMESTAMP_LTZ':
      return 'TIMESTAMP';
    case 'ARRAY':
      return `ARRAY<${sparkType(t.element, stringKeys)}>`;
    case 'MAP':
      return `MAP<${stringKeys ? 'STRING' : sparkType(t.key)},${sparkType(t.value, stringKeys)}>`;
    case 'ROW':
      return `STRUCT<${t.fields
        .map(
          (f) =>
            `${quoteIdentifier(f.name)}:${sparkType(f.type, stringKeys)}` +
            (f.comment === undefined ? '' : ` COMMENT ${hiveString(f.comment)}`),
        )
        .join(',')}>`;
    default:
      return hiveType(t);
  }
}

const TEXT_NOTE = [
  "-- Spark reads Hive's escaped text format only through the Hive SerDe: this is the Hive DDL, and",
  '-- it needs a SparkSession with Hive support (enableHiveSupport()).',
];

/**
 * Spark SQL DDL for a Hive-layout table that Spark reads without extra jars: a data source table
 * (`USING parquet` / `USING json`, the JSON one reading TIMESTAMP_LTZ text in UTC as Weir writes it)
 * with the partition columns last; for text, the Hive DDL (Spark's own CSV reader cannot unescape
 * Hive text).
 */
export function sparkDdl(spec: HiveTableSpec): string {
  if (spec.format === 'text') return [...TEXT_NOTE, hiveDdl(spec)].join('\n');
  const { data, partitions } = splitColumns(spec);
  const stringKeys = spec.format === 'json';
  const line = (c: Column) =>
    `${quoteIdentifier(c.name)} ${sparkType(c.type, stringKeys)}` +
    (c.comment === undefined ? '' : ` COMMENT ${hiveString(c.comment)}`);
  const lines = [
    `CREATE TABLE IF NOT EXISTS ${tableName(spec)} (`,
    [...data, ...partitions].map((c) => `  ${line(c)}`).join(',\n'),
    ')',
    `USING ${spec.format}`,
  ];
  if (spec.format === 'json') lines.push("OPTIONS ('timeZone'='UTC')");
  if (partitions.length > 0) {
    lines.push(`PARTITIONED BY (${partitions.map((c) => quoteIdentifier(c.name)).join(', ')})`);
  }
  if (spec.comment !== undefined) lines.push(`COMMENT ${hiveString(spec.comment)}`);
  lines.push(`LOCATION ${hiveString(spec.location)}`, ...propertiesLines(spec.properties ?? {}));
  return lines.join('\n');
}
