import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { catalogDir, localCatalog, type TableRegistration } from './catalog.ts';
import { tableLocation } from './paths.ts';
import { openWarehouse } from './sql.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'weir-catalog-'));
  dirs.push(d);
  return d;
}

function login(warehouse: string): TableRegistration {
  return {
    database: 'game',
    table: 'login',
    location: tableLocation(warehouse, 'game', 'login'),
    format: 'parquet',
    columns: [
      { name: 'role_id', type: 'BIGINT NOT NULL' },
      { name: 'items', type: 'ARRAY<ROW<id INT, cnt DECIMAL(10,2)>>' },
      { name: 'dt', type: 'DATE' },
    ],
    partitionedBy: ['dt'],
  };
}

test('registerTable, addPartitions (idempotent), setPartitionLocation, listTables, getTable', async () => {
  const warehouse = temp();
  const catalog = localCatalog(warehouse);
  assert.deepEqual(await catalog.listTables(), []);
  await catalog.registerTable(login(warehouse));
  const loc = (dt: string) => join(tableLocation(warehouse, 'game', 'login'), `dt=${dt}`);
  const p1 = { values: { dt: '2026-11-25' }, location: loc('2026-11-25') };
  const p2 = { values: { dt: '2026-11-26' }, location: loc('2026-11-26') };
  assert.equal(await catalog.addPartitions('game', 'login', [p1]), 1);
  assert.equal(await catalog.addPartitions('game', 'login', [p1, p2]), 1);
  assert.equal(await catalog.addPartitions('game', 'login', [p2, p1]), 0);
  await catalog.setPartitionLocation('game', 'login', { dt: '2026-11-25' }, join(warehouse, '_staging', 'x'));
  // Re-registering (e.g. a new config version) keeps the partitions.
  await catalog.registerTable(login(warehouse));
  const t = await catalog.getTable('game', 'login');
  assert.deepEqual(t?.partitions, [
    { values: { dt: '2026-11-25' }, location: join(warehouse, '_staging', 'x') },
    p2,
  ]);
  assert.equal(await catalog.getTable('game', 'nope'), undefined);
  assert.deepEqual(
    (await catalog.listTables()).map((x) => `${x.database}.${x.table}`),
    ['game.login'],
  );
  // One JSON file per table, and no temp file left behind by the atomic writes.
  assert.deepEqual(readdirSync(catalogDir(warehouse)), ['game.login.json']);
  assert.equal(
    JSON.parse(readFileSync(join(catalogDir(warehouse), 'game.login.json'), 'utf8')).table,
    'login',
  );
});

test('concurrent addPartitions calls on one catalog lose nothing', async () => {
  const warehouse = temp();
  const catalog = localCatalog(warehouse);
  await catalog.registerTable(login(warehouse));
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      catalog.addPartitions('game', 'login', [{ values: { dt: `2026-11-${10 + i}` }, location: `/x/${i}` }]),
    ),
  );
  assert.equal((await catalog.getTable('game', 'login'))?.partitions.length, 10);
});

test('bad catalog input fails with plain messages', async () => {
  const warehouse = temp();
  const catalog = localCatalog(warehouse);
  await assert.rejects(
    catalog.registerTable({ ...login(warehouse), table: '../evil' }),
    /table name "..\/evil"/,
  );
  await assert.rejects(
    catalog.registerTable({ ...login(warehouse), partitionedBy: ['hour'] }),
    /"hour" is not a column/,
  );
  await assert.rejects(catalog.addPartitions('game', 'login', []), /game.login is not registered/);
  await catalog.registerTable(login(warehouse));
  await assert.rejects(
    catalog.addPartitions('game', 'login', [{ values: { day: '1' }, location: '/x' }]),
    /must give exactly dt; missing dt; unknown day/,
  );
});

test('a table with no partitions yet answers with zero rows and the declared columns', async () => {
  const warehouse = temp();
  await localCatalog(warehouse).registerTable(login(warehouse));
  const conn = await openWarehouse(warehouse);
  const r = await conn.runAndReadAll('SELECT * FROM game.login');
  assert.equal(r.currentRowCount, 0);
  assert.deepEqual(r.columnNames(), ['role_id', 'items', 'dt']);
  assert.deepEqual(
    r.columnTypes().map((t) => t.toString()),
    ['BIGINT', 'STRUCT("id" INTEGER, "cnt" DECIMAL(10,2))[]', 'DATE'],
  );
  conn.closeSync();
});
