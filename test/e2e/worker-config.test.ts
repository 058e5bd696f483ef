// Worker threads run the config the main thread validated (thread-messages.ts), not weir.yaml read
// again from disk: here there is no weir.yaml at all (a config from the config center or an
// editor's draft), and both threads of the run still load their files.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadProjectFromText } from '../../src/config/load.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { runProject } from '../../src/runtime/run.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('two worker threads run a project given as text, with no weir.yaml on disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-worker-config-'));
  dirs.push(dir);
  await mkdir(join(dir, 'data'));
  const lines = (from: number) =>
    `${Array.from({ length: 5000 }, (_, i) => `{"id":${from + i}}`).join('\n')}\n`;
  await writeFile(join(dir, 'data', 'a.log'), lines(0));
  await writeFile(join(dir, 'data', 'b.log'), lines(5000));
  const loaded = await loadProjectFromText(
    `
version: draft-7
warehouse: ./warehouse
sources:
  events:
    files: { path: "data/*.log" }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL }
sinks:
  t: { table: t, hive: { database: db, format: json } }
`,
    dir,
  );
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
  const summary = await runProject(loaded.project, { workers: 2 });
  assert.equal(summary.sources.events?.workers, 2);
  assert.equal(summary.counters.tables.t?.recordsOut, 10_000);
  const conn = await openWarehouse(join(dir, 'warehouse'));
  const [r] = (await conn.runAndReadAll('SELECT count(DISTINCT id) AS d FROM db.t')).getRowObjectsJson();
  assert.equal(Number(r!.d), 10_000);
  conn.closeSync();
});
