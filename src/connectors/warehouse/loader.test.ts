import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Row } from '../../core/record.ts';
import type { Column } from '../../core/types.ts';
import { printType } from '../../types/print.ts';
import { localCatalog } from './catalog.ts';
import { commitFiles, deleteOrphans, publishPrefixes } from './commit.ts';
import type { WarehouseFormat } from './data-file.ts';
import { createTableLoader, type TableLoaderSpec } from './loader.ts';
import { tableLocation } from './paths.ts';
import { openWarehouse } from './sql.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'weir-loader-'));
  dirs.push(d);
  return d;
}

const COLUMNS: Column[] = [
  { name: 'dt', type: { kind: 'DATE', nullable: true }, onError: 'error' },
  { name: 'server', type: { kind: 'INT', nullable: true }, onError: 'error' },
  { name: 'role_id', type: { kind: 'BIGINT', nullable: false }, onError: 'error' },
  { name: 'msg', type: { kind: 'STRING', nullable: true }, onError: 'error' },
];

const rowsFor = (n: number, server = 1, dt = 20_417): Row[] =>
  Array.from({ length: n }, (_, i) => ({ dt, server, role_id: BigInt(i), msg: `message ${i}` }));

function spec(location: string, over: Partial<TableLoaderSpec> = {}): TableLoaderSpec {
  return {
    location,
    columns: COLUMNS,
    partitionedBy: ['dt', 'server'],
    format: 'parquet',
    compression: 'zstd',
    rolling: { max_bytes: 1 << 30, max_rows: 1_000_000, max_seconds: 3600 },
    filePrefix: 'part-w1-7-',
    ...over,
  };
}

async function countRows(files: string[]): Promise<number> {
  const db = await DuckDBInstance.create();
  const conn = await db.connect();
  const list = files.map((f) => `'${f}'`).join(',');
  const r = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet([${list}])`);
  conn.closeSync();
  return r.getRowObjects()[0]!.n as number;
}

test('rolling by rows closes a file every max_rows; each becomes a PendingFile at prepareCommit', async () => {
  const location = join(temp(), 't');
  const loader = createTableLoader(
    spec(location, { rolling: { max_bytes: 1 << 30, max_rows: 4, max_seconds: 3600 } }),
  );
  await loader.write(rowsFor(10));
  const files = await loader.prepareCommit();
  assert.deepEqual(
    files.map((f) => f.rows),
    [4, 4, 2],
  );
  for (const f of files) {
    assert.match(basename(f.inProgress), /^\.part-w1-7-\d{5}\.parquet\.inprogress$/);
    assert.match(basename(f.final), /^part-w1-7-\d{5}\.parquet$/);
    assert.equal(dirname(f.final), join(location, 'dt=2025-11-25', 'server=1'));
    assert.deepEqual(f.partition, { dt: '2025-11-25', server: '1' });
    assert.ok(existsSync(f.inProgress) && !existsSync(f.final));
  }
  await commitFiles(files);
  assert.equal(await countRows(files.map((f) => f.final)), 10);
});

test('rolling by size produces the expected number of files', async () => {
  const location = join(temp(), 't');
  const loader = createTableLoader(
    spec(location, { format: 'json', rolling: { max_bytes: 1000, max_rows: 1_000_000, max_seconds: 3600 } }),
  );
  const rows = rowsFor(100);
  await loader.write(rows);
  const files = await loader.prepareCommit();
  const lineBytes = `{"role_id":0,"msg":"message 0"}\n`.length; // 32..35 bytes a line
  assert.ok(lineBytes >= 32);
  // Each file closes on the row that reaches 1000 bytes: 100 rows of ~34 bytes → 4 files.
  assert.equal(files.length, 4);
  for (const f of files.slice(0, -1)) assert.ok(f.bytes >= 1000 && f.bytes < 1000 + 40, `${f.bytes}`);
  assert.equal(
    files.reduce((n, f) => n + f.rows, 0),
    100,
  );
});

test('a roll by time yields one file per open partition, not one per batch', async () => {
  const location = join(temp(), 't');
  let clock = 0;
  const loader = createTableLoader(
    spec(location, {
      now: () => clock,
      rolling: { max_bytes: 1 << 30, max_rows: 1_000_000, max_seconds: 60 },
    }),
  );
  for (let batch = 0; batch < 5; batch++) {
    await loader.write([...rowsFor(3, 1), ...rowsFor(3, 2), ...rowsFor(3, 3)]);
    clock += 10_000;
  }
  assert.deepEqual(await loader.prepareCommit({ onlyDue: true }), [], 'nothing is due after 50 s');
  clock += 10_000;
  const due = await loader.prepareCommit({ onlyDue: true });
  assert.equal(due.length, 3);
  assert.deepEqual(
    due.map((f) => f.rows),
    [15, 15, 15],
  );
  await loader.write(rowsFor(1, 1));
  assert.equal((await loader.prepareCommit()).length, 1, 'a checkpoint closes every open file');
});

for (const format of ['parquet', 'json', 'text'] as WarehouseFormat[]) {
  test(`${format}: in-progress files are invisible to weir sql views until commitFiles`, async () => {
    const warehouse = temp();
    const location = tableLocation(warehouse, 'game', 'login');
    const catalog = localCatalog(warehouse);
    await catalog.registerTable({
      database: 'game',
      table: 'login',
      location,
      format,
      columns: COLUMNS.map((c) => ({ name: c.name, type: printType(c.type) })),
      partitionedBy: ['dt', 'server'],
    });
    const loader = createTableLoader(spec(location, { format }));
    await loader.write(rowsFor(5));
    const files = await loader.prepareCommit();
    const partitions = files.map((f) => ({ values: f.partition, location: dirname(f.final) }));
    await catalog.addPartitions('game', 'login', partitions);
    const count = async () => {
      const conn = await openWarehouse(warehouse);
      const r = await conn.runAndReadAll('SELECT count(*)::INTEGER AS n FROM game.login');
      conn.closeSync();
      return r.getRowObjects()[0]!.n;
    };
    assert.equal(await count(), 0);
    await commitFiles(files);
    assert.equal(await count(), 5);
  });
}

test('commitFiles is idempotent: replaying a committed manifest is fine', async () => {
  const location = join(temp(), 't');
  const loader = createTableLoader(spec(location));
  await loader.write(rowsFor(3));
  const files = await loader.prepareCommit();
  await commitFiles(files);
  await commitFiles(files);
  assert.ok(files.every((f) => existsSync(f.final) && !existsSync(f.inProgress)));
  await assert.rejects(
    commitFiles([{ ...files[0]!, inProgress: `${files[0]!.inProgress}x`, final: `${files[0]!.final}x` }]),
    /cannot commit/,
  );
});

test("deleteOrphans removes in-progress files not kept; abort deletes this loader's files", async () => {
  const location = join(temp(), 't');
  const crashed = createTableLoader(spec(location, { filePrefix: 'part-w1-6-' }));
  await crashed.write([...rowsFor(2, 1), ...rowsFor(2, 2)]);
  const orphans = await crashed.prepareCommit(); // crash before the manifest: both are orphans
  const current = createTableLoader(spec(location));
  await current.write(rowsFor(2, 3));
  const kept = await current.prepareCommit();
  const removed = await deleteOrphans(location, new Set(kept.map((f) => f.inProgress)));
  assert.equal(removed, 2);
  assert.ok(orphans.every((f) => !existsSync(f.inProgress)));
  assert.ok(existsSync(kept[0]!.inProgress));
  assert.equal(await deleteOrphans(join(location, 'missing'), new Set()), 0);

  const aborted = createTableLoader(spec(location, { filePrefix: 'part-w1-8-' }));
  await aborted.write(rowsFor(2, 4));
  await aborted.abort();
  assert.deepEqual(readdirSync(join(location, 'dt=2025-11-25', 'server=4')), []);
});

test('bad loader specs fail with plain messages', () => {
  const location = join(temp(), 't');
  assert.throws(
    () => createTableLoader(spec(location, { partitionedBy: ['nope'] })),
    /"nope" is not a column/,
  );
  assert.throws(() => createTableLoader(spec(location, { filePrefix: '../x' })), /file prefix/);
});

test('a row whose value does not fit its column becomes a row error, the others are written', async () => {
  const location = join(temp(), 't');
  const errors: string[] = [];
  const loader = createTableLoader(
    spec(location, {
      format: 'text',
      columns: [
        ...COLUMNS,
        {
          name: 'gold',
          type: { kind: 'DECIMAL', precision: 10, scale: 2, nullable: true },
          onError: 'error',
        },
      ],
      onRowError: (_row, e) => errors.push(`${e.code}: ${e.message}`),
    }),
  );
  await loader.write([
    { dt: 20_417, server: 1, role_id: 1n, msg: 'ok', gold: 5n },
    { dt: 20_417, server: 1, role_id: 2n, msg: 'bad', gold: 'five' as unknown as bigint },
  ]);
  const files = await loader.prepareCommit();
  assert.equal(files[0]!.rows, 1);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^SINK: /);
});

test('a partition folder removed between files is made again', async () => {
  const location = join(temp(), 't');
  const loader = createTableLoader(spec(location, { format: 'json', compression: 'none' }));
  await loader.write(rowsFor(3));
  const first = await loader.prepareCommit();
  await commitFiles(first);
  // e.g. an operator dropped the partition while the job runs
  rmSync(dirname(first[0]!.final), { recursive: true });
  await loader.write(rowsFor(2));
  const second = await loader.prepareCommit();
  await commitFiles(second);
  assert.equal(dirname(second[0]!.final), dirname(first[0]!.final));
  assert.equal(second[0]!.rows, 2);
  assert.ok(existsSync(second[0]!.final));
});

test('JSON and text files stay open across checkpoints; a crash keeps exactly the committed prefix', async () => {
  for (const format of ['json', 'text'] as WarehouseFormat[]) {
    const location = join(temp(), 't');
    const loader = createTableLoader(spec(location, { format, compression: 'none' }));
    await loader.write(rowsFor(10, 1));
    assert.deepEqual(
      await loader.prepareCommit({ keepOpen: true }),
      [],
      `${format}: nothing closes at a checkpoint`,
    );
    const open = await loader.checkpointOpen();
    assert.equal(open.length, 1);
    assert.equal(open[0]!.rows, 10);
    assert.equal(statSync(open[0]!.inProgress).size, open[0]!.bytes, 'the committed length is on disk');
    await loader.write(rowsFor(5, 1)); // not committed: a crash comes first
    await loader.abort();
    assert.ok(existsSync(open[0]!.inProgress), 'abort leaves a file a manifest may name to the manifest');
    await publishPrefixes(open);
    await publishPrefixes(open); // recovery is idempotent
    const lines = readFileSync(open[0]!.final, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 10, `${format}: exactly the committed rows`);

    // A file opened after the last checkpoint is deleted by abort; a checkpoint keeps adding to the same file.
    const again = createTableLoader(
      spec(join(temp(), 't'), { format, compression: 'none', filePrefix: 'part-b-' }),
    );
    await again.write(rowsFor(3, 1));
    const first = await again.checkpointOpen();
    await again.write(rowsFor(4, 1));
    const second = await again.checkpointOpen();
    assert.equal(second[0]!.inProgress, first[0]!.inProgress, 'one file across checkpoints');
    assert.equal(second[0]!.rows, 7);
    const closed = await again.prepareCommit();
    assert.equal(closed.length, 1, 'the last checkpoint closes it');
    assert.equal(closed[0]!.rows, 7);
  }
});

test('Parquet files close at every checkpoint: a Parquet file is readable only with its footer', async () => {
  const loader = createTableLoader(spec(join(temp(), 't')));
  await loader.write(rowsFor(10, 1));
  assert.equal((await loader.prepareCommit({ keepOpen: true })).length, 1);
  assert.deepEqual(await loader.checkpointOpen(), []);
});
