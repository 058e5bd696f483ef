// Every logical type, every format: write → commit → read back with DuckDB (and, for Parquet,
// parquet-wasm + Arrow) and compare row by row with what was written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DataType, tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import type { Row } from '../../core/record.ts';
import type { Column } from '../../core/types.ts';
import type { WarehouseCompression, WarehouseFormat } from './data-file.ts';
import { readView, writeAndCommit } from './readback.fixture.ts';
import { openWarehouse } from './sql.ts';
import { WIDE_COLUMNS, WIDE_PARTITIONED_BY, wideRows } from './wide-table.fixture.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempWarehouse(): string {
  const d = mkdtempSync(join(tmpdir(), 'weir-wh-'));
  dirs.push(d);
  return d;
}

async function roundTrip(
  format: WarehouseFormat,
  compression: WarehouseCompression = 'zstd',
  viewColumns: Column[] = WIDE_COLUMNS,
) {
  const warehouse = tempWarehouse();
  const files = await writeAndCommit(
    { warehouse, columns: WIDE_COLUMNS, partitionedBy: WIDE_PARTITIONED_BY, format, compression },
    wideRows(),
  );
  const conn = await openWarehouse(warehouse);
  const got = await readView(conn, 'SELECT * FROM game.events ORDER BY id', viewColumns);
  conn.closeSync();
  return { got, files, warehouse };
}

for (const [format, compression] of [
  ['parquet', 'zstd'],
  ['parquet', 'snappy'],
  ['parquet', 'gzip'],
  ['parquet', 'none'],
  ['text', 'none'],
] as const) {
  test(`${format} (${compression}): DuckDB reads back every row exactly`, async () => {
    const { got } = await roundTrip(format, compression);
    assert.deepEqual(got, wideRows());
  });
}

test('json: DuckDB reads back every row (wide DECIMALs as DOUBLE), Python reads the exact decimals', async () => {
  // DuckDB's JSON reader parses numbers as doubles, so the view types DECIMAL(38,10) as DOUBLE.
  const viewColumns = WIDE_COLUMNS.map((c) =>
    c.name === 'dec' ? { ...c, type: { kind: 'DOUBLE' as const, nullable: true } } : c,
  );
  const { got, files } = await roundTrip('json', 'none', viewColumns);
  const want = wideRows();
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    const { dec: gotDec, ...gotRest } = got[i]!;
    const { dec: wantDec, ...wantRest } = want[i]!;
    assert.deepEqual(gotRest, wantRest);
    if (wantDec === null) assert.equal(gotDec, null);
    else {
      const expected = Number(wantDec as bigint) / 1e10;
      assert.ok(
        Math.abs((gotDec as number) - expected) <= Math.abs(expected) * 1e-15,
        `${gotDec} ≈ ${expected}`,
      );
    }
  }
  // Hive's JSON SerDe reads DECIMAL exactly; so does Python's json with parse_float=Decimal.
  const script =
    'import json,sys,decimal\nfor p in sys.argv[1:]:\n for l in open(p,encoding="utf-8"):\n  r=json.loads(l,parse_float=decimal.Decimal)\n  print(r["id"], r["dec"], r["big"], r["m"] and r["m"].get("gold"))';
  const py = spawnSync('python3', ['-c', script, ...files.map((f) => f.final)], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const lines = py.stdout.trim().split('\n').sort();
  assert.deepEqual(lines, [
    '1 12345678901234567890.1234567890 9223372036854775807 9007199254740993',
    '2 None None None',
    '3 -1E-10 -9223372036854775808 {}',
    '4 9999999999999999999999999999.9999999999 0 None',
  ]);
});

test('parquet: files hold no partition columns and carry the logical types (read by parquet-wasm + Arrow)', async () => {
  const { files } = await roundTrip('parquet', 'zstd');
  const rows: Row[] = [];
  for (const f of files) {
    const table = tableFromIPC(readParquet(new Uint8Array(readFileSync(f.final))).intoIPCStream());
    const fields = Object.fromEntries(table.schema.fields.map((x) => [x.name, x.type]));
    assert.equal(fields['day'], undefined, 'partition column day is not stored');
    assert.equal(fields['server'], undefined, 'partition column server is not stored');
    assert.ok(DataType.isInt(fields['ti']) && fields['ti'].bitWidth === 8);
    assert.ok(DataType.isInt(fields['si']) && fields['si'].bitWidth === 16);
    assert.ok(DataType.isDecimal(fields['dec']));
    assert.equal(fields['dec'].precision, 38);
    assert.equal(fields['dec'].scale, 10);
    assert.ok(DataType.isDate(fields['dt']));
    assert.ok(DataType.isTimestamp(fields['ts']));
    assert.equal(fields['ts'].timezone, null, 'TIMESTAMP is not adjusted to UTC');
    assert.ok(DataType.isTimestamp(fields['ltz']));
    assert.ok(fields['ltz'].timezone, 'TIMESTAMP_LTZ is adjusted to UTC');
    assert.ok(DataType.isList(fields['arr']));
    assert.ok(DataType.isMap(fields['m']));
    assert.ok(DataType.isStruct(fields['nested']));
    assert.ok(DataType.isUtf8(fields['j']) || DataType.isLargeUtf8(fields['j']));
    for (const r of table.toArray()) {
      const o = r.toJSON();
      rows.push({
        id: o.id,
        big: o.big,
        s: o.s,
        bin: o.bin,
        arr: o.arr ? [...o.arr] : null,
        m: o.m ? new Map([...o.m].map(([k, v]: [string, bigint]) => [k, v])) : null,
        name: o.nested ? o.nested.name : null,
        items: o.nested
          ? o.nested.items.toArray().map((x: unknown) => (x ? [...(x as Iterable<unknown>)] : null))
          : null,
      });
    }
  }
  rows.sort((a, b) => (a.id as number) - (b.id as number));
  const want = wideRows();
  assert.deepEqual(
    rows.map((r) => [r.id, r.big, r.s, r.bin, r.arr, r.m, r.name]),
    want.map((r) => [
      r.id,
      r.big,
      r.s,
      r.bin,
      r.arr,
      r.m,
      r.nested ? (r.nested as { name: string | null }).name : null,
    ]),
  );
  assert.equal((rows[0]!.items as unknown[]).length, 3);
});

test('text: partition directories are Hive-escaped and the files use \\001, \\N and backslash escapes', async () => {
  const { files, warehouse } = await roundTrip('text');
  const dirsSeen = readdirSync(join(warehouse, 'game.db', 'events')).sort();
  assert.deepEqual(dirsSeen, ['day=2025-11-25', 'day=2025-11-26', 'day=__HIVE_DEFAULT_PARTITION__']);
  const nullRow = files.find((f) => f.partition.day === '__HIVE_DEFAULT_PARTITION__')!;
  const line = readFileSync(nullRow.final, 'utf8');
  assert.equal(line, `2${'\u0001\\N'.repeat(20)}\n`);
  const hostile = files.find((f) => f.partition.day === '2025-11-26')!;
  assert.ok(readFileSync(hostile.final, 'utf8').includes('a\\\u0001b\\\u0002c\\\u0003d\\ne\\\\f\\\\Ng\\rh'));
});

// (A one-element [''] reads back empty, as in Hive: documented in docs/warehouse.md.)
test('text: empty first fields, at every nesting level, do not shift the fields after them', async () => {
  const warehouse = tempWarehouse();
  const { column } = await import('../../types/test-support.ts');
  const columns = [
    column('s', 'STRING'),
    column('id', 'INT'),
    column('p', 'ROW<a STRING, b INT, c ROW<x STRING, y INT>>'),
    column('tags', 'ARRAY<STRING>'),
    column('m', 'MAP<STRING, INT>'),
  ];
  const rows: Row[] = [
    {
      s: '',
      id: 1,
      p: { a: '', b: 5, c: { x: '', y: 7 } },
      tags: ['', 'x', ''],
      m: new Map([
        ['', 1],
        ['k', 2],
      ]),
    },
    { s: '', id: 2, p: { a: '', b: 0, c: null }, tags: ['', ''], m: new Map([['', 0]]) },
    { s: 'z', id: 3, p: { a: 'q', b: null, c: { x: 'w', y: null } }, tags: [], m: new Map() },
  ];
  await writeAndCommit({ warehouse, columns, partitionedBy: [], format: 'text', compression: 'none' }, rows);
  const conn = await openWarehouse(warehouse);
  try {
    // Before: row 1 read back as { s: '', id: null, p: null, ... } and p as { a: '', b: null }.
    assert.deepEqual(await readView(conn, 'SELECT * FROM game.events ORDER BY id', columns), rows);
  } finally {
    conn.closeSync();
  }
});
