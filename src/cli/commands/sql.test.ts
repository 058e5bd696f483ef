import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeAndCommit } from '../../connectors/warehouse/readback.fixture.ts';
import type { Column } from '../../core/types.ts';
import { run } from './sql.ts';

const project = mkdtempSync(join(tmpdir(), 'weir-sql-'));
after(() => rmSync(project, { recursive: true, force: true }));

const COLUMNS: Column[] = [
  { name: 'role_id', type: { kind: 'BIGINT', nullable: false }, onError: 'error' },
  { name: 'name', type: { kind: 'STRING', nullable: true }, onError: 'error' },
  { name: 'gold', type: { kind: 'DECIMAL', precision: 20, scale: 2, nullable: true }, onError: 'error' },
  { name: 'dt', type: { kind: 'DATE', nullable: true }, onError: 'error' },
];

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (s: unknown) => out.push(String(s));
  console.error = (s: unknown) => err.push(String(s));
  try {
    const code = await run(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test('weir sql queries committed warehouse tables as db.table, as a table or bigint-safe JSON', async () => {
  mkdirSync(join(project, 'data'), { recursive: true });
  writeFileSync(
    join(project, 'weir.yaml'),
    `warehouse: ./wh
sources:
  game: { files: { path: "data/*.log" } }
tables:
  login:
    source: game
    parser: { json: {} }
    schema:
      role_id: BIGINT NOT NULL
`,
  );
  await writeAndCommit(
    { warehouse: join(project, 'wh'), columns: COLUMNS, partitionedBy: ['dt'], format: 'parquet' },
    [
      { role_id: 9007199254740993n, name: 'ann', gold: 123456789012345678n, dt: 20_417 },
      { role_id: 2n, name: null, gold: -5n, dt: 20_418 },
    ],
  );
  const json = await capture([
    project,
    'SELECT role_id, name, gold, dt FROM game.events ORDER BY dt',
    '--json',
  ]);
  assert.equal(json.code, 0, json.err);
  assert.equal(
    json.out,
    '{"role_id":9007199254740993,"name":"ann","gold":1234567890123456.78,"dt":"2025-11-25"}\n' +
      '{"role_id":2,"name":null,"gold":-0.05,"dt":"2025-11-26"}',
  );
  const table = await capture([project, 'SELECT role_id, name FROM game.events ORDER BY dt']);
  assert.equal(table.code, 0, table.err);
  assert.deepEqual(table.out.split('\n'), [
    'role_id          | name   ',
    'BIGINT           | VARCHAR',
    '-----------------+--------',
    '9007199254740993 | ann    ',
    '               2 | NULL   ',
    '(2 rows)',
  ]);
});

test('weir sql reports bad usage, a bad project and a bad query plainly', async () => {
  assert.equal((await capture([project])).code, 2);
  const missing = await capture([join(project, 'nope'), 'SELECT 1']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /weir sql: the project in .* has problems:\n {2}project folder .* not found/);
  const bad = await capture([project, 'SELECT * FROM game.nope']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /weir sql: Catalog Error: Table with name nope does not exist/);
});
