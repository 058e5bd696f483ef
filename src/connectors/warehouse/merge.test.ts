// mergeDataFiles / mergeKey: small files of every format (every logical type, nulls) merged into a
// few larger ones, read back with DuckDB — and merged Parquet with parquet-wasm + Arrow — and
// compared with the inputs.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import type { Row } from '../../core/record.ts';
import type { Column } from '../../core/types.ts';
import { printType } from '../../types/print.ts';
import { BufferBudget } from './buffer-budget.ts';
import {
  FORMAT_EXTENSION,
  openDataFile,
  type WarehouseCompression,
  type WarehouseFormat,
} from './data-file.ts';
import { type MergedFile, mergeDataFiles, mergeKey } from './merge.ts';
import { readView } from './readback.fixture.ts';
import { quoteString, viewSql } from './sql.ts';
import { WIDE_COLUMNS, wideRows } from './wide-table.fixture.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'weir-merge-'));
  dirs.push(d);
  return d;
}

const FILES = 6;

const fileList = (paths: string[]) => `[${paths.map(quoteString).join(', ')}]`;

/** File `file`'s rows: the wide rows twice, with ids, ints, strings, timestamps and decimals of its own. */
function inputRows(file: number): Row[] {
  return [...wideRows(), ...wideRows()].map((r, j) => ({
    ...r,
    id: file * 100 + j,
    i: r.i === null ? null : file * 1000 + j,
    s: r.s === null ? null : `${r.s}#${file}.${j}`,
    ts: r.ts === null ? null : (r.ts as number) + file * 1_000_000_000,
    dec: r.dec === null ? null : (r.dec as bigint) - BigInt(file),
  }));
}

const allRows = (): Row[] => Array.from({ length: FILES }, (_, k) => inputRows(k)).flat();

async function writeDataFile(
  path: string,
  columns: Column[],
  format: WarehouseFormat,
  compression: WarehouseCompression,
  rows: Row[],
): Promise<void> {
  // A small budget flushes every few rows: Parquet inputs of several row groups.
  const w = openDataFile(path, columns, format, compression, new BufferBudget(2500));
  for (const r of rows) w.append(r);
  await w.close().durable;
}

async function writeInputs(dir: string, format: WarehouseFormat, compression: WarehouseCompression) {
  const inputs: string[] = [];
  for (let k = 0; k < FILES; k++) {
    const path = join(dir, `part-${k}${FORMAT_EXTENSION[format]}`);
    await writeDataFile(path, WIDE_COLUMNS, format, compression, inputRows(k));
    inputs.push(path);
  }
  return inputs;
}

async function duck(): Promise<DuckDBConnection> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  return conn;
}

/** The rows of the committed files in `dir`, read the way a table's view reads them (unpartitioned). */
async function readDir(conn: DuckDBConnection, format: WarehouseFormat, dir: string): Promise<Row[]> {
  const view = viewSql({
    database: 'game',
    table: 'events',
    location: dir,
    format,
    columns: WIDE_COLUMNS.map((c) => ({ name: c.name, type: printType(c.type) })),
    partitionedBy: [],
    partitions: [],
  });
  // DuckDB's JSON reader parses numbers as doubles: the view types DECIMAL(38,10) as DOUBLE.
  const columns =
    format === 'json'
      ? WIDE_COLUMNS.map((c) =>
          c.name === 'dec' ? { ...c, type: { kind: 'DOUBLE' as const, nullable: true } } : c,
        )
      : WIDE_COLUMNS;
  return readView(conn, `SELECT * FROM (${view}) ORDER BY id`, columns);
}

/** Bytes of the row groups (what the target counts): footers are most of these small files. */
async function rowGroupBytes(paths: string[]): Promise<number> {
  const conn = await duck();
  try {
    const r = await conn.runAndReadAll(
      `SELECT sum(total_compressed_size)::BIGINT AS n FROM parquet_metadata(${fileList(paths)})`,
    );
    return Number(r.getRowObjects()[0]!['n']);
  } finally {
    conn.closeSync();
  }
}

async function mergeInputs(format: WarehouseFormat, compression: WarehouseCompression) {
  const root = tempDir();
  const inDir = join(root, 'in');
  const outDir = join(root, 'out');
  mkdirSync(inDir);
  mkdirSync(outDir);
  const inputs = await writeInputs(inDir, format, compression);
  const total = inputs.reduce((n, p) => n + statSync(p).size, 0);
  const targetBytes = Math.ceil((format === 'parquet' ? await rowGroupBytes(inputs) : total) / 2.5);
  const outputs = await mergeDataFiles({
    format,
    inputs,
    targetBytes,
    output: (i) => join(outDir, `merged-${i}${FORMAT_EXTENSION[format]}`),
  });
  return { inputs, outputs, inDir, outDir, total, targetBytes };
}

function assertOutputsListed(outputs: MergedFile[], outDir: string, inputs: string[]): void {
  assert.deepEqual(readdirSync(outDir).sort(), outputs.map((o) => o.path.slice(outDir.length + 1)).sort());
  for (const o of outputs) assert.equal(o.bytes, statSync(o.path).size, o.path);
  // Every input went somewhere, in order (one split across two outputs is listed with both).
  const order = outputs.flatMap((o) => o.inputs).filter((p, i, a) => a[i - 1] !== p);
  assert.deepEqual(order, inputs);
}

for (const [format, compression] of [
  ['parquet', 'zstd'],
  ['parquet', 'snappy'],
  ['json', 'none'],
  ['text', 'none'],
] as const) {
  test(`${format} (${compression}): the merged files hold exactly the inputs' rows, in ≤ ceil(bytes / target) files`, async () => {
    const { inputs, outputs, inDir, outDir, total, targetBytes } = await mergeInputs(format, compression);
    assert.ok(outputs.length >= 2 && outputs.length <= 3, `${outputs.length} outputs`);
    assert.ok(outputs.length <= Math.ceil(total / targetBytes), `${outputs.length} outputs`);
    assertOutputsListed(outputs, outDir, inputs);
    assert.equal(
      outputs.reduce((n, o) => n + o.rows, 0),
      FILES * 8,
    );

    const conn = await duck();
    try {
      const before = await readDir(conn, format, inDir);
      assert.equal(before.length, FILES * 8);
      assert.deepEqual(await readDir(conn, format, outDir), before);
      if (format === 'parquet') await checkParquet(conn, inputs, outputs);
    } finally {
      conn.closeSync();
    }
    if (format !== 'parquet') checkLines(inputs, outputs);
  });
}

function checkLines(inputs: string[], outputs: MergedFile[]): void {
  const concatenated = Buffer.concat(inputs.map((p) => readFileSync(p)));
  const files = outputs.map((o) => readFileSync(o.path));
  assert.ok(Buffer.concat(files).equals(concatenated), 'outputs are the inputs, byte for byte');
  for (const [i, f] of files.entries()) {
    assert.equal(f.at(-1), 0x0a, 'an output ends at a line end');
    assert.equal(outputs[i]!.rows, f.toString('latin1').split('\n').length - 1);
  }
}

async function checkParquet(conn: DuckDBConnection, inputs: string[], outputs: MergedFile[]): Promise<void> {
  for (const o of outputs) {
    const count = await conn.runAndReadAll(
      `SELECT count(*)::INT AS n FROM read_parquet(${quoteString(o.path)})`,
    );
    assert.equal(count.getRowObjects()[0]!['n'], o.rows, o.path);
  }
  await checkStatistics(conn, inputs, outputs);
  await checkFilters(
    conn,
    inputs,
    outputs.map((o) => o.path),
  );
  checkWithParquetWasm(outputs);
}

/** Every row group's column statistics, as DuckDB reads them, are the ones it had in its input. */
async function checkStatistics(
  conn: DuckDBConnection,
  inputs: string[],
  outputs: MergedFile[],
): Promise<void> {
  const stats = async (paths: string[]) => {
    const r = await conn.runAndReadAll(
      `SELECT path_in_schema, type, row_group_num_rows, num_values, compression, encodings,
              total_compressed_size, total_uncompressed_size, stats_min, stats_max, stats_null_count,
              stats_distinct_count, stats_min_value, stats_max_value, min_is_exact, max_is_exact
       FROM parquet_metadata(${fileList(paths)})
       ORDER BY list_position(${fileList(paths)}, file_name), row_group_id, column_id`,
    );
    return r.getRowObjectsJson();
  };
  const before = await stats(inputs);
  const after = await stats(outputs.map((o) => o.path));
  assert.ok(before.length > FILES * 20, `${before.length} column chunks`);
  assert.deepEqual(after, before);
  // Not dropped: bounds are there for every type the writer gives statistics.
  for (const column of ['i', 'big', 'dec', 'dsmall', 's', 'dt', 'ts', 'ltz', 'f', 'b']) {
    const withBounds = before.filter((r) => r['path_in_schema'] === column && r['stats_min_value'] !== null);
    assert.ok(withBounds.length > 0, `${column} has min/max statistics`);
  }
}

/** Filters DuckDB can prune row groups with return the same rows from the merged files. */
async function checkFilters(conn: DuckDBConnection, inputs: string[], merged: string[]): Promise<void> {
  const filters = [
    'i BETWEEN 2000 AND 3005',
    `s = ${quoteString('héllo 世界 🎮#3.4')}`,
    'ts BETWEEN make_timestamp(1764002000000000) AND make_timestamp(1764004000123456)',
    'dec = 12345678901234567890.1234567885::DECIMAL(38,10)',
    'dec >= 9999999999999999999999999999.9999999996::DECIMAL(38,10)',
    'big = 9223372036854775807',
    `dt = DATE '1969-12-31' AND id > 400`,
    'dsmall < -12345.66',
  ];
  for (const where of filters) {
    const ids = async (paths: string[]) =>
      (
        await conn.runAndReadAll(`SELECT id FROM read_parquet(${fileList(paths)}) WHERE ${where} ORDER BY id`)
      ).getRowObjectsJson();
    const want = await ids(inputs);
    assert.ok(want.length > 0, `${where} selects rows`);
    assert.deepEqual(await ids(merged), want, where);
  }
}

function checkWithParquetWasm(outputs: MergedFile[]): void {
  const got: unknown[][] = [];
  for (const o of outputs) {
    const table = tableFromIPC(readParquet(new Uint8Array(readFileSync(o.path))).intoIPCStream());
    assert.equal(table.numRows, o.rows);
    for (const r of table.toArray()) {
      const x = r.toJSON();
      got.push([x.id, x.s, x.big, x.arr ? [...x.arr] : null, x.m ? [...x.m] : null]);
    }
  }
  const want = allRows().map((r) => [
    r.id,
    r.s,
    r.big,
    r.arr,
    r.m ? [...(r.m as Map<string, unknown>)] : null,
  ]);
  const byId = (a: unknown[], b: unknown[]) => (a[0] as number) - (b[0] as number);
  assert.deepEqual(got.sort(byId), want.sort(byId));
}

test('parquet: mergeKey is the schema, not the codec; different schemas do not merge and leave no output', async () => {
  const root = tempDir();
  const outDir = join(root, 'out');
  mkdirSync(outDir);
  const rows = inputRows(0);
  const zstd = join(root, 'a.parquet');
  const snappy = join(root, 'b.parquet');
  const narrower = join(root, 'c.parquet');
  const narrowColumns = WIDE_COLUMNS.filter((c) => c.name !== 'j');
  await writeDataFile(zstd, WIDE_COLUMNS, 'parquet', 'zstd', rows);
  await writeDataFile(snappy, WIDE_COLUMNS, 'parquet', 'snappy', rows);
  await writeDataFile(narrower, narrowColumns, 'parquet', 'zstd', rows);

  assert.equal(await mergeKey('parquet', zstd), await mergeKey('parquet', snappy));
  assert.notEqual(await mergeKey('parquet', zstd), await mergeKey('parquet', narrower));
  assert.equal(await mergeKey('json', zstd), '');

  // A tiny target: outputs exist already when the third input turns out different.
  await assert.rejects(
    mergeDataFiles({
      format: 'parquet',
      inputs: [zstd, snappy, narrower],
      targetBytes: 1,
      output: (i) => join(outDir, `merged-${i}.parquet`),
    }),
    /schema differs/,
  );
  assert.deepEqual(readdirSync(outDir), []);
});

test('an output path that exists: the merge throws, removes what it created and keeps that file', async () => {
  const root = tempDir();
  const inputs = await writeInputs(root, 'json', 'none');
  const outDir = join(root, 'out');
  mkdirSync(outDir);
  writeFileSync(join(outDir, 'merged-1.json'), 'not mine\n');
  await assert.rejects(
    mergeDataFiles({
      format: 'json',
      inputs,
      targetBytes: 1000,
      output: (i) => join(outDir, `merged-${i}.json`),
    }),
    { code: 'EEXIST' },
  );
  assert.deepEqual(readdirSync(outDir), ['merged-1.json']);
  assert.equal(readFileSync(join(outDir, 'merged-1.json'), 'utf8'), 'not mine\n');
});

test('lines: an input whose last line has no newline is refused', async () => {
  const root = tempDir();
  const good = join(root, 'a.txt');
  const bad = join(root, 'b.txt');
  writeFileSync(good, '1\n2\n');
  writeFileSync(bad, '3\n4');
  await assert.rejects(
    mergeDataFiles({
      format: 'text',
      inputs: [good, bad],
      targetBytes: 100,
      output: (i) => join(root, `m${i}`),
    }),
    /does not end with a newline/,
  );
  assert.deepEqual(readdirSync(root).sort(), ['a.txt', 'b.txt']);
});
