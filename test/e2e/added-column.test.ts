// A column added to a table between runs: `weir sql` reads the table's old files (without the
// column) and new ones together, the old rows with NULL. Before, every query on a Parquet table
// failed with DuckDB's Binder Error once the column was added.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, idProject } from './id-project.ts';

const weir = (args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `weir ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
};

for (const format of ['parquet', 'json', 'text']) {
  test(`${format}: weir sql reads files from before and after a nullable column was added`, async () => {
    const dir = await idProject(
      { 'data/a.log': '{"id":1}\n{"id":2}\n' },
      `warehouse: ./warehouse
sources:
  events: { files: { path: "data/*.log" } }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL, zone: { type: STRING NOT NULL, default: north } }
sinks:
  t: { table: t, hive: { database: db, format: ${format}, partitioned_by: [zone] } }
`,
    );
    const yaml = join(dir, 'weir.yaml');
    weir(['run', dir]);
    await writeFile(join(dir, 'data', 'b.log'), '{"id":3,"note":"added"}\n');
    await writeFile(
      yaml,
      (await readFile(yaml, 'utf8')).replace('id: BIGINT NOT NULL,', 'id: BIGINT NOT NULL, note: STRING,'),
    );
    weir(['run', dir]);
    const out = weir(['sql', dir, 'SELECT id, note, zone FROM db.t ORDER BY id', '--json']);
    const rows = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(rows, [
      { id: 1, note: null, zone: 'north' },
      { id: 2, note: null, zone: 'north' },
      { id: 3, note: 'added', zone: 'north' },
    ]);
  });
}
