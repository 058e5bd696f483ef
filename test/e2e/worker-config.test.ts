// Worker threads run the config the main thread validated (thread-messages.ts), not weir.yaml read
// again from disk: here there is no weir.yaml at all (a config from the config center or an
// editor's draft), and both threads of the run still load their files.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadProjectFromText } from '../../src/config/load.ts';
import { runProject } from '../../src/runtime/run.ts';
import { idConfig, idLines, idProject, idRows } from './id-project.ts';

test('two worker threads run a project given as text, with no weir.yaml on disk', async () => {
  const dir = await idProject({ 'data/a.log': idLines(0, 5000), 'data/b.log': idLines(5000, 5000) }, null);
  const loaded = await loadProjectFromText(idConfig({ format: 'json', version: 'draft-7' }), dir);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
  const summary = await runProject(loaded.project, { workers: 2 });
  assert.equal(summary.sources.events?.workers, 2);
  assert.equal(summary.counters.tables.t?.recordsOut, 10_000);
  assert.equal((await idRows(dir)).distinct, 10_000);
});
