import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { LogicalType } from '../../core/types.ts';
import { parseType } from '../../types/parse.ts';
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

// Catalogs written before the warehouse used src/types hold the old printer's text: unquoted
// field names, `DECIMAL(p,s)` without a space, NOT NULL after complex types, no comments.
const OLD_CATALOG_TYPES: [string, LogicalType][] = [
  ['BIGINT NOT NULL', { kind: 'BIGINT', nullable: false }],
  ['DECIMAL(10,2)', { kind: 'DECIMAL', precision: 10, scale: 2, nullable: true }],
  ['VARCHAR(20) NOT NULL', { kind: 'VARCHAR', length: 20, nullable: false }],
  ['TIMESTAMP(3)', { kind: 'TIMESTAMP', precision: 3, nullable: true }],
  ['TIMESTAMP_LTZ(6) NOT NULL', { kind: 'TIMESTAMP_LTZ', precision: 6, nullable: false }],
  [
    'MAP<STRING NOT NULL, JSON>',
    {
      kind: 'MAP',
      key: { kind: 'STRING', nullable: false },
      value: { kind: 'JSON', nullable: true },
      nullable: true,
    },
  ],
  [
    'ARRAY<ROW<id INT NOT NULL, select BINARY, at DATE>> NOT NULL',
    {
      kind: 'ARRAY',
      element: {
        kind: 'ROW',
        fields: [
          { name: 'id', type: { kind: 'INT', nullable: false } },
          { name: 'select', type: { kind: 'BINARY', nullable: true } },
          { name: 'at', type: { kind: 'DATE', nullable: true } },
        ],
        nullable: true,
      },
      nullable: false,
    },
  ],
];

test("an old catalog entry's type strings still parse, and the warehouse opens it", async () => {
  for (const [text, type] of OLD_CATALOG_TYPES) assert.deepEqual(parseType(text), type, text);

  const warehouse = temp();
  mkdirSync(catalogDir(warehouse), { recursive: true });
  const entry = {
    database: 'game',
    table: 'old',
    location: tableLocation(warehouse, 'game', 'old'),
    format: 'parquet',
    columns: OLD_CATALOG_TYPES.map(([type], i) => ({ name: `c${i}`, type })),
    partitionedBy: [],
    partitions: [],
  };
  writeFileSync(join(catalogDir(warehouse), 'game.old.json'), JSON.stringify(entry, null, 2));
  const conn = await openWarehouse(warehouse);
  const r = await conn.runAndReadAll('SELECT * FROM game.old');
  assert.deepEqual(
    r.columnTypes().map((t) => t.toString()),
    [
      'BIGINT',
      'DECIMAL(10,2)',
      'VARCHAR',
      'TIMESTAMP',
      'TIMESTAMP WITH TIME ZONE',
      'MAP(VARCHAR, VARCHAR)',
      'STRUCT("id" INTEGER, "select" BLOB, "at" DATE)[]',
    ],
  );
  conn.closeSync();
});
