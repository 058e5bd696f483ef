// `openWarehouse`: an in-memory DuckDB with one schema per database and one VIEW per catalog
// table over its committed files (in-progress dot-files are never listed).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { LogicalType } from '../../core/types.ts';
import { parseType } from '../../types/parse.ts';
import { type CatalogPartition, type CatalogTable, localCatalog } from './catalog.ts';
import { HIVE_DEFAULT_PARTITION } from './paths.ts';
import { TEXT_NULL, TEXT_SEPARATORS } from './text-lines.ts';

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteString(s: string): string {
  const quoted = `'${s.replaceAll("'", "''")}'`;
  // DuckDB's parser ends a literal at NUL: that character goes in as chr(0).
  return s.includes('\0') ? `(${quoted.replaceAll('\0', "' || chr(0) || '")})` : quoted;
}

/** DuckDB's type for a logical type. */
export function duckType(t: LogicalType): string {
  switch (t.kind) {
    case 'INT':
      return 'INTEGER';
    case 'DECIMAL':
      return `DECIMAL(${t.precision},${t.scale})`;
    case 'STRING':
    case 'VARCHAR':
    case 'JSON':
      return 'VARCHAR';
    case 'BINARY':
      return 'BLOB';
    case 'TIMESTAMP':
      return 'TIMESTAMP';
    case 'TIMESTAMP_LTZ':
      return 'TIMESTAMPTZ';
    case 'ARRAY':
      return `${duckType(t.element)}[]`;
    case 'MAP':
      return `MAP(${duckType(t.key)}, ${duckType(t.value)})`;
    case 'ROW':
      return `STRUCT(${t.fields.map((f) => `${quoteIdent(f.name)} ${duckType(f.type)}`).join(', ')})`;
    default:
      return t.kind;
  }
}

function hasBinary(t: LogicalType): boolean {
  if (t.kind === 'BINARY') return true;
  if (t.kind === 'ARRAY') return hasBinary(t.element);
  if (t.kind === 'MAP') return hasBinary(t.key) || hasBinary(t.value);
  if (t.kind === 'ROW') return t.fields.some((f) => hasBinary(f.type));
  return false;
}

// ---- JSON lines: read with declared types; BINARY travels as base64 text. ----

/** Widest DECIMAL DuckDB's JSON reader gets exactly: it parses every JSON number as a double. */
const JSON_EXACT_DECIMAL_DIGITS = 15;

function needsJsonReadType(t: LogicalType): boolean {
  if (t.kind === 'BINARY') return true;
  if (t.kind === 'DECIMAL') return t.precision > JSON_EXACT_DECIMAL_DIGITS;
  if (t.kind === 'ARRAY') return needsJsonReadType(t.element);
  if (t.kind === 'MAP') return needsJsonReadType(t.key) || needsJsonReadType(t.value);
  if (t.kind === 'ROW') return t.fields.some((f) => needsJsonReadType(f.type));
  return false;
}

/** The type read_json reads a column as: BINARY as base64 text (or `binary`), wide DECIMALs as DOUBLE. */
function jsonReadType(t: LogicalType, binary = 'VARCHAR'): string {
  if (!needsJsonReadType(t)) return duckType(t);
  switch (t.kind) {
    case 'DECIMAL':
      return 'DOUBLE';
    case 'BINARY':
      return binary;
    case 'ARRAY':
      return `${jsonReadType(t.element, binary)}[]`;
    case 'MAP':
      return `MAP(${jsonReadType(t.key, binary)}, ${jsonReadType(t.value, binary)})`;
    case 'ROW':
      return `STRUCT(${t.fields.map((f) => `${quoteIdent(f.name)} ${jsonReadType(f.type, binary)}`).join(', ')})`;
    default:
      return duckType(t);
  }
}

/** Turns base64 text back into BLOBs (the rest of what read_json read is kept as read). */
function jsonFix(t: LogicalType, x: string, depth: number): string {
  if (!hasBinary(t)) return x;
  const v = `j${depth}`;
  switch (t.kind) {
    case 'BINARY':
      return `from_base64(${x})`;
    case 'ARRAY':
      return `list_transform(${x}, ${v} -> ${jsonFix(t.element, v, depth + 1)})`;
    case 'MAP':
      return `map_from_entries(list_transform(map_entries(${x}), ${v} -> {'key': ${jsonFix(t.key, `${v}.key`, depth + 1)}, 'value': ${jsonFix(t.value, `${v}.value`, depth + 1)}}))`;
    case 'ROW':
      return `CASE WHEN ${x} IS NULL THEN NULL ELSE struct_pack(${t.fields
        .map((f) => `${quoteIdent(f.name)} := ${jsonFix(f.type, `${x}.${quoteIdent(f.name)}`, depth + 1)}`)
        .join(', ')}) END`;
    default:
      return x;
  }
}

// ---- Hive text: split escape-aware per nesting level, unescape at the leaves. ----

function reChar(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

// Each field is matched with the separator before it (one is put in front of the first): a pattern
// that can match empty at the start, (?:^|S), made RE2 step over the separator after an empty
// first field, and every later field of the row read as NULL.
function splitLevel(x: string, level: number): string {
  const sep = TEXT_SEPARATORS[level]!;
  const s = reChar(sep);
  return `regexp_extract_all(chr(${sep.charCodeAt(0)}) || ${x}, '(?s)${s}((?:[^${s}\\\\]|\\\\.)*)', 1)`;
}

function unescapeText(x: string, depth: number): string {
  const v = `u${depth}`;
  return `array_to_string(list_transform(regexp_extract_all(${x}, '(?s)\\\\.|[^\\\\]+'), ${v} -> CASE WHEN ${v} = '\\n' THEN chr(10) WHEN ${v} = '\\r' THEN chr(13) WHEN ${v}[1] = '\\' THEN ${v}[2:] ELSE ${v} END), '')`;
}

function textValue(t: LogicalType, x: string, level: number, depth: number): string {
  const inner = textNonNull(t, x, level, depth);
  return `CASE WHEN ${x} IS NULL OR ${x} = ${quoteString(TEXT_NULL)} THEN NULL ELSE ${inner} END`;
}

function textNonNull(t: LogicalType, x: string, level: number, depth: number): string {
  const v = `t${depth}`;
  switch (t.kind) {
    case 'STRING':
    case 'VARCHAR':
    case 'JSON':
      return unescapeText(x, depth);
    case 'BINARY':
      return `from_base64(${x})`;
    case 'ARRAY':
      return `CASE WHEN ${x} = '' THEN CAST([] AS ${duckType(t)}) ELSE list_transform(${splitLevel(x, level)}, ${v} -> ${textValue(t.element, v, level + 1, depth + 1)}) END`;
    case 'MAP': {
      const kv = `${v}[1]`;
      const vv = `${v}[2]`;
      return `CASE WHEN ${x} = '' THEN CAST(MAP() AS ${duckType(t)}) ELSE map_from_entries(list_transform(list_transform(${splitLevel(x, level)}, s${depth} -> ${splitLevel(`s${depth}`, level + 1)}), ${v} -> {'key': ${textValue(t.key, kv, level + 2, depth + 1)}, 'value': ${textValue(t.value, vv, level + 2, depth + 1)}})) END`;
    }
    case 'ROW':
      return `list_transform([${splitLevel(x, level)}], ${v} -> struct_pack(${t.fields
        .map(
          (f, i) => `${quoteIdent(f.name)} := ${textValue(f.type, `${v}[${i + 1}]`, level + 1, depth + 1)}`,
        )
        .join(', ')}))[1]`;
    default:
      return `CAST(${x} AS ${duckType(t)})`;
  }
}

// ---- Views ----

interface ParsedColumn {
  name: string;
  type: LogicalType;
}

/** Committed data files of a partition: dot- and underscore-files are in-progress or metadata. */
function committedFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.startsWith('_'))
      .map((e) => join(dir, e.name))
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

function partitionLiteral(c: ParsedColumn, value: string | undefined): string {
  if (value === undefined || value === HIVE_DEFAULT_PARTITION) return `CAST(NULL AS ${duckType(c.type)})`;
  return `CAST(${quoteString(value)} AS ${duckType(c.type)})`;
}

/** The view's column type: the declared one, except what JSON tables cannot read exactly. */
function viewType(t: CatalogTable, type: LogicalType): string {
  return t.format === 'json' ? jsonReadType(type, 'BLOB') : duckType(type);
}

function partitionSelect(
  t: CatalogTable,
  columns: ParsedColumn[],
  p: CatalogPartition,
  files: string[],
): string {
  const data = columns.filter((c) => !t.partitionedBy.includes(c.name));
  const fileList = `[${files.map(quoteString).join(', ')}]`;
  const project = (dataExpr: (c: ParsedColumn, i: number) => string) =>
    columns
      .map((c) =>
        t.partitionedBy.includes(c.name)
          ? `${partitionLiteral(c, p.values[c.name])} AS ${quoteIdent(c.name)}`
          : `CAST(${dataExpr(c, data.indexOf(c))} AS ${viewType(t, c.type)}) AS ${quoteIdent(c.name)}`,
      )
      .join(', ');
  switch (t.format) {
    case 'parquet': {
      // Files written before a column was added lack it: read by name, and a zero-row select of
      // every declared column gives the missing ones (as NULL) to files that have none of them.
      const declared = data
        .map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${quoteIdent(c.name)}`)
        .join(', ');
      const files = `SELECT * FROM read_parquet(${fileList}, union_by_name = true)`;
      return `SELECT ${project((c) => quoteIdent(c.name))} FROM (${files} UNION ALL BY NAME (SELECT ${declared} LIMIT 0))`;
    }
    case 'json': {
      const spec = data.map((c) => `${quoteString(c.name)}: ${quoteString(jsonReadType(c.type))}`).join(', ');
      return `SELECT ${project((c) => jsonFix(c.type, quoteIdent(c.name), 0))} FROM read_json(${fileList}, format = 'newline_delimited', columns = {${spec}})`;
    }
    case 'text': {
      const lines = `SELECT unnest(list_slice(l, 1, len(l) - 1)) AS line FROM (SELECT string_split(content, chr(10)) AS l FROM read_text(${fileList}))`;
      return `SELECT ${project((c, i) => textValue(c.type, `f[${i + 1}]`, 1, 0))} FROM (SELECT ${splitLevel('line', 0)} AS f FROM (${lines}))`;
    }
  }
}

/** The SELECT behind a table's view: every registered partition's committed files. */
export function viewSql(t: CatalogTable): string {
  const columns = t.columns.map((c) => ({ name: c.name, type: parseType(c.type) }));
  // An unpartitioned table has no partition entries: its files sit in the table location.
  const partitions = t.partitionedBy.length === 0 ? [{ values: {}, location: t.location }] : t.partitions;
  const parts = partitions
    .map((p) => ({ p, files: committedFiles(p.location) }))
    .filter((x) => x.files.length > 0)
    .map(({ p, files }) => partitionSelect(t, columns, p, files));
  if (parts.length === 0) {
    return `SELECT ${columns.map((c) => `CAST(NULL AS ${duckType(c.type)}) AS ${quoteIdent(c.name)}`).join(', ')} LIMIT 0`;
  }
  return parts.join('\nUNION ALL BY NAME\n');
}

/** Opens an in-memory DuckDB (TimeZone UTC) with a view `db.table` per catalog table. */
export async function openWarehouse(warehouse: string): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  const tables = await localCatalog(warehouse).listTables();
  for (const t of tables) {
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(t.database)}`);
    await conn.run(`CREATE VIEW ${quoteIdent(t.database)}.${quoteIdent(t.table)} AS ${viewSql(t)}`);
  }
  return conn;
}
