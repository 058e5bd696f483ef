// Timestamps far from 1970 (9999-12-31 23:59:59.999, a common "no end" value) load exactly in every
// format, read back by DuckDB from the files themselves; where a double cannot hold microseconds
// (before 1684, after 2255) a value with microseconds is a CAST error record, never a nearby value.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('9999-12-31 23:59:59.999 is stored exactly in Parquet, JSON and text', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-far-ts-'));
  dirs.push(dir);
  await writeFile(
    join(dir, 'weir.yaml'),
    `
warehouse: ./warehouse
sources:
  s: { files: { path: in.log } }
tables:
  t: { source: s, parser: { json: {} }, schema: { id: BIGINT NOT NULL, at: TIMESTAMP(3), at6: TIMESTAMP } }
sinks:
  p: { table: t, hive: { database: d, format: parquet } }
  j: { table: t, hive: { database: d, format: json } }
  x: { table: t, hive: { database: d, format: text } }
`,
  );
  const lines = [
    { id: 1, at: '9999-12-31 23:59:59.999', at6: '9999-12-31 23:59:59.999' },
    { id: 2, at: '0001-01-01 00:00:00.001', at6: '2026-12-03 10:00:00.123456' },
    { id: 3, at6: '9999-12-31 23:59:59.999001' },
  ];
  await writeFile(join(dir, 'in.log'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  const r = spawnSync(process.execPath, [CLI, 'run', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);

  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const expected = [
    { id: '1', a: '9999-12-31 23:59:59.999', b: '9999-12-31 23:59:59.999' },
    { id: '2', a: '0001-01-01 00:00:00.001', b: '2026-12-03 10:00:00.123456' },
  ];
  const t = join(dir, 'warehouse', 'd.db');
  const parquet = await conn.runAndReadAll(
    `SELECT id::VARCHAR AS id, "at"::VARCHAR AS a, at6::VARCHAR AS b FROM read_parquet('${t}/p/*.parquet') ORDER BY id`,
  );
  assert.deepEqual(parquet.getRowObjectsJson(), expected);
  const json = await conn.runAndReadAll(
    `SELECT id::VARCHAR AS id, "at" AS a, at6 AS b FROM read_json('${t}/j/*.json', columns = {id: 'BIGINT', "at": 'VARCHAR', at6: 'VARCHAR'}) ORDER BY id`,
  );
  assert.deepEqual(
    json.getRowObjectsJson(),
    expected.map((e) => ({ ...e, b: e.b.replace(/(\.\d{3})$/, '$1000') })),
  );
  const text = await conn.runAndReadAll(
    `SELECT id, a, b FROM read_csv('${t}/x/*', delim = '\x01', header = false, columns = {id: 'VARCHAR', a: 'VARCHAR', b: 'VARCHAR'}) ORDER BY id`,
  );
  assert.deepEqual(
    text.getRowObjectsJson(),
    expected.map((e) => ({ ...e, b: e.b.replace(/(\.\d{3})$/, '$1000') })),
  );
  const errors = spawnSync(process.execPath, [CLI, 'errors', dir, '--json'], { encoding: 'utf8' });
  const { records } = JSON.parse(errors.stdout);
  assert.deepEqual(
    records.map((e: { code: string; field: string }) => `${e.code} ${e.field}`),
    ['CAST at6'],
  );
  assert.match(records[0].message, /after 2255 a timestamp is kept to the millisecond/);
});
