import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LogicalType } from '../../core/types.ts';
import { parseType } from '../../types/parse.ts';
import { COMPACT_AT, catalogDir, localCatalog, type TableRegistration } from './catalog.ts';
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
  // Per table a definition file and a log folder, and no temp file left behind by the atomic writes.
  assert.deepEqual(readdirSync(catalogDir(warehouse)), ['game.login.json', 'game.login.log']);
  assert.ok(
    readdirSync(join(catalogDir(warehouse), 'game.login.log')).every((n) => /^[0-9a-z-]+\.json$/.test(n)),
  );
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

const TESTDATA = fileURLToPath(new URL('./testdata/catalog/', import.meta.url));

function addInChild(warehouse: string, who: string, n: number): Promise<number | null> {
  const script = `
    const { localCatalog } = await import(${JSON.stringify(new URL('./catalog.ts', import.meta.url).href)});
    const c = localCatalog(${JSON.stringify(warehouse)});
    for (let i = 0; i < ${n}; i++) {
      await c.addPartitions('game', 'login', [{ values: { dt: '${who}-' + i }, location: '/x/${who}/' + i }]);
    }`;
  return new Promise((done, fail) =>
    spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' })
      .on('error', fail)
      .on('exit', done),
  );
}

test('processes sharing a warehouse lose no partition (each commit adds a file, none rewrites)', async () => {
  const warehouse = temp();
  await localCatalog(warehouse).registerTable(login(warehouse));
  // Four processes, 100 single-partition commits each, so compactions run beside other writers too.
  assert.deepEqual(
    await Promise.all(['a', 'b', 'c', 'd'].map((w) => addInChild(warehouse, w, 100))),
    [0, 0, 0, 0],
  );
  const t = await localCatalog(warehouse).getTable('game', 'login');
  assert.equal(t?.partitions.length, 400);
  assert.equal(new Set(t?.partitions.map((p) => p.values.dt)).size, 400);
  // Bounded: each process may add its last file, and its own compacted file, after another's fold.
  assert.ok(readdirSync(join(catalogDir(warehouse), 'game.login.log')).length <= COMPACT_AT + 2 * 4);
});

test('the log is compacted, and a set location wins over adds whatever the order', async () => {
  const warehouse = temp();
  const catalog = localCatalog(warehouse);
  await catalog.registerTable(login(warehouse));
  await catalog.setPartitionLocation('game', 'login', { dt: '2026-01-01' }, '/staging/1');
  for (let i = 0; i < COMPACT_AT * 2; i++) {
    await catalog.addPartitions('game', 'login', [{ values: { dt: `2026-02-${i}` }, location: `/p/${i}` }]);
  }
  assert.equal(
    await catalog.addPartitions('game', 'login', [{ values: { dt: '2026-01-01' }, location: '/p/x' }]),
    0,
  );
  const files = readdirSync(join(catalogDir(warehouse), 'game.login.log'));
  assert.ok(files.length <= COMPACT_AT, `${files.length} log files`);
  // A fresh reader (another process) sees the same state.
  const t = await localCatalog(warehouse).getTable('game', 'login');
  assert.equal(t?.partitions.length, COMPACT_AT * 2 + 1);
  assert.equal(t?.partitions.find((p) => p.values.dt === '2026-01-01')?.location, '/staging/1');
  await catalog.setPartitionLocation('game', 'login', { dt: '2026-01-01' }, '/staging/2');
  assert.equal(
    (await localCatalog(warehouse).getTable('game', 'login'))?.partitions.find(
      (p) => p.values.dt === '2026-01-01',
    )?.location,
    '/staging/2',
  );
});

test('catalog files of every format version are read; a newer, truncated or foreign file is refused by name', async () => {
  const expected = [
    { values: { dt: '2026-11-25' }, location: '/warehouse/game/login/dt=2026-11-25' },
    { values: { dt: '2026-11-26' }, location: '/warehouse/game/login/dt=2026-11-26' },
  ];
  const v1 = temp();
  cpSync(join(TESTDATA, 'v1'), catalogDir(v1), { recursive: true });
  assert.deepEqual((await localCatalog(v1).getTable('game', 'login'))?.partitions, expected);
  // Version 1 tables keep their partitions when re-registered, and take new ones in the log.
  await localCatalog(v1).registerTable({
    ...login(v1),
    columns: login(v1).columns.filter((c) => c.name !== 'items'),
  });
  await localCatalog(v1).addPartitions('game', 'login', [
    { values: { dt: '2026-11-27' }, location: '/p/27' },
  ]);
  assert.equal((await localCatalog(v1).getTable('game', 'login'))?.partitions.length, 3);

  const v2 = temp();
  cpSync(join(TESTDATA, 'v2'), catalogDir(v2), { recursive: true });
  const t = await localCatalog(v2).getTable('game', 'login');
  assert.deepEqual(t?.partitions, [
    { values: { dt: '2026-11-25' }, location: '/warehouse/_staging/backfill-1/dt=2026-11-25' },
    expected[1],
  ]);
  assert.equal(t?.columns.length, 2);

  const bad = temp();
  mkdirSync(catalogDir(bad), { recursive: true });
  const file = join(catalogDir(bad), 'game.login.json');
  const v2text = readFileSync(join(TESTDATA, 'v2', 'game.login.json'), 'utf8');
  writeFileSync(file, v2text.replace('"formatVersion": 2', '"formatVersion": 3'));
  await assert.rejects(localCatalog(bad).getTable('game', 'login'), (e: Error) => {
    assert.match(
      e.message,
      /catalog file .*game\.login\.json has format version 3; this Weir reads versions 1 to 2/,
    );
    return true;
  });
  writeFileSync(file, v2text.slice(0, 120));
  await assert.rejects(
    localCatalog(bad).listTables(),
    /catalog file .*game\.login\.json is not valid JSON .*truncated/,
  );
  writeFileSync(file, v2text.replace('"parquet"', '"orc"'));
  await assert.rejects(
    localCatalog(bad).getTable('game', 'login'),
    /game\.login\.json is not a valid catalog file: format:/,
  );
  writeFileSync(file, v2text);
  mkdirSync(join(catalogDir(bad), 'game.login.log'));
  writeFileSync(join(catalogDir(bad), 'game.login.log', '0001.json'), '{"formatVersion":9,"partitions":[]}');
  await assert.rejects(localCatalog(bad).getTable('game', 'login'), /0001\.json has format version 9/);
});
