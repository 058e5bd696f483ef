// Test helpers: write rows through a loader and commit them, and turn DuckDB's values back into
// Weir's runtime forms so rows read by DuckDB compare with the rows written.
import type {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBValue,
} from '@duckdb/node-api';
import type { Row, Value } from '../../core/record.ts';
import type { Column, LogicalType } from '../../core/types.ts';
import { printType } from '../../types/print.ts';
import { localCatalog } from './catalog.ts';
import { commitFiles } from './commit.ts';
import type { WarehouseCompression, WarehouseFormat } from './data-file.ts';
import { createTableLoader, type PendingFile } from './loader.ts';
import { tableLocation } from './paths.ts';

/** A DuckDB value read from a view → the runtime form of `t` (see src/core/record.ts). */
export function toRuntime(t: LogicalType, v: DuckDBValue): Value {
  if (v === null) return null;
  switch (t.kind) {
    case 'BIGINT':
      return BigInt(v as bigint);
    case 'DECIMAL':
      return (v as DuckDBDecimalValue).value;
    case 'BINARY':
      return new Uint8Array((v as DuckDBBlobValue).bytes);
    case 'DATE':
      return (v as DuckDBDateValue).days;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return Number((v as DuckDBTimestampValue | DuckDBTimestampTZValue).micros);
    case 'ARRAY':
      return (v as DuckDBListValue).items.map((x) => toRuntime(t.element, x));
    case 'MAP':
      return new Map(
        (v as DuckDBMapValue).entries.map((e) => [toRuntime(t.key, e.key), toRuntime(t.value, e.value)]),
      );
    case 'ROW': {
      const o: { [k: string]: Value } = {};
      for (const f of t.fields)
        o[f.name] = toRuntime(f.type, (v as DuckDBStructValue).entries[f.name] ?? null);
      return o;
    }
    default:
      return v as Value;
  }
}

export async function readView(
  conn: import('@duckdb/node-api').DuckDBConnection,
  sql: string,
  columns: Column[],
): Promise<Row[]> {
  const result = await conn.runAndReadAll(sql);
  return result.getRowObjects().map((r) => {
    const row: Row = {};
    for (const c of columns) row[c.name] = toRuntime(c.type, r[c.name] ?? null);
    return row;
  });
}

export interface WriteSpec {
  warehouse: string;
  database?: string;
  table?: string;
  columns: Column[];
  partitionedBy: string[];
  format: WarehouseFormat;
  compression?: WarehouseCompression;
}

/** Registers the table, writes the rows, commits the files and registers their partitions. */
export async function writeAndCommit(spec: WriteSpec, rows: Row[]): Promise<PendingFile[]> {
  const database = spec.database ?? 'game';
  const table = spec.table ?? 'events';
  const location = tableLocation(spec.warehouse, database, table);
  const catalog = localCatalog(spec.warehouse);
  await catalog.registerTable({
    database,
    table,
    location,
    format: spec.format,
    columns: spec.columns.map((c) => ({ name: c.name, type: printType(c.type) })),
    partitionedBy: spec.partitionedBy,
  });
  const loader = createTableLoader({
    location,
    columns: spec.columns,
    partitionedBy: spec.partitionedBy,
    format: spec.format,
    compression: spec.compression ?? 'zstd',
    rolling: { max_bytes: 1 << 30, max_rows: 1_000_000, max_seconds: 3600 },
    filePrefix: 'part-w0-1-',
  });
  await loader.write(rows);
  const files = await loader.prepareCommit();
  await commitFiles(files);
  await catalog.addPartitions(
    database,
    table,
    files.map((f) => ({ values: f.partition, location: f.final.slice(0, f.final.lastIndexOf('/')) })),
  );
  return files;
}

export const ID_ORDER = 'ORDER BY id';
