// The first worker of a run to fail stops its siblings cleanly (run.ts allOrStop): each finishes
// its batch and takes a last checkpoint, so the failed run leaves no half-written file and what it
// committed is consistent; the next run loads the rest exactly once. Rows are read back by DuckDB.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadProject } from '../../src/config/load.ts';
import { readManifests } from '../../src/runtime/checkpoint.ts';
import { checkpointRoot } from '../../src/runtime/run.ts';
import { CLI, idLines, idProject, idRows } from './id-project.ts';

const PER_FILE = 200_000;

/** Two files of PER_FILE records each, so `--workers 2` gives each worker one. */
const twoFiles = () =>
  idProject({ 'data/a.log': idLines(0, PER_FILE), 'data/b.log': idLines(PER_FILE, PER_FILE) });

const rows = async (dir: string) => {
  const { n, distinct } = await idRows(dir);
  return { n, distinct };
};

async function inProgressFiles(dir: string): Promise<string[]> {
  const all = await readdir(join(dir, 'warehouse'), { recursive: true });
  return all.filter((f) => f.endsWith('.inprogress'));
}

test('a failing worker stops its sibling cleanly; the next run loads the rest exactly once', async () => {
  const dir = await twoFiles();

  const failed = spawnSync(process.execPath, [CLI, 'run', dir, '--workers', '2'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, WEIR_TEST_FAIL: '1:4096' },
  });
  assert.equal(failed.status, 1, failed.stderr);
  assert.match(failed.stderr, /worker 1 failed on purpose after \d+ records/);
  // Stopped, not killed: no in-progress file left behind, and the sibling did not run to its end.
  assert.deepEqual(await inProgressFiles(dir), []);
  const loaded = await loadProject(dir);
  assert.ok(loaded.ok);
  const manifests = await readManifests(checkpointRoot(loaded.project), 'events');
  const sibling = manifests.find((m) => m.worker === 0);
  assert.ok(sibling, 'the sibling took a checkpoint');
  assert.ok(sibling.counters.recordsRead < PER_FILE, `the sibling read ${sibling.counters.recordsRead}`);
  // What the failed run committed is what its manifests say.
  const committed = manifests.reduce((n, m) => n + (m.counters.tables.t?.recordsOut ?? 0), 0);
  assert.deepEqual(await rows(dir), { n: committed, distinct: committed });

  const rerun = spawnSync(process.execPath, [CLI, 'run', dir, '--workers', '2'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(rerun.status, 0, rerun.stderr);
  assert.deepEqual(await rows(dir), { n: 2 * PER_FILE, distinct: 2 * PER_FILE });
});

test('a worker failing with a file-system error that passes (EBUSY) starts again from its checkpoint; the run ends normally, rows exact', async () => {
  const dir = await twoFiles();
  const run = spawnSync(process.execPath, [CLI, 'run', dir, '--workers', '2'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, WEIR_TEST_FAIL: '0:4096:EBUSY' },
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(
    run.stderr,
    /job events, worker 0: worker 0 failed on purpose after \d+ records \(WEIR_TEST_FAIL, EBUSY\) — waiting 1 s, then resuming from the last checkpoint/,
  );
  assert.deepEqual(await inProgressFiles(dir), []);
  assert.deepEqual(await rows(dir), { n: 2 * PER_FILE, distinct: 2 * PER_FILE });
});
