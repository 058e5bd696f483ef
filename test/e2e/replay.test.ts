// weir replay as a user runs it: a run with a config bug (a cast too narrow) sends rows to the
// error store; after the fix, weir replay loads them exactly once (read back by DuckDB), a second
// replay adds nothing, records that still fail stay as error records of the new version, and a
// replay SIGKILLed again and again, then rerun, is exact.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { CLI, idProject } from './id-project.ts';

const config = (level: string) => `warehouse: ./warehouse
checkpoint: { interval_seconds: 0.2 }
sources:
  events: { files: { path: "data/*.log" } }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL, level: ${level} }
sinks:
  t: { table: t, hive: { database: db, format: parquet } }
`;

/** id i has level i % 300; every 100th level is "x", which no integer type takes. */
const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, level: i % 100 === 99 ? 'x' : i % 300 })).join(
    '\n',
  ) + '\n';

const weir = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

async function rows(dir: string): Promise<{ n: number; distinct: number; levels: number }> {
  const conn = await openWarehouse(join(dir, 'warehouse'));
  try {
    const [r] = (
      await conn.runAndReadAll('SELECT count(*) AS n, count(DISTINCT id) AS d, sum(level) AS s FROM db.t')
    ).getRowObjectsJson();
    return { n: Number(r!.n), distinct: Number(r!.d), levels: Number(r!.s) };
  } finally {
    conn.closeSync();
  }
}

function truth(n: number) {
  const ids = Array.from({ length: n }, (_, i) => i).filter((i) => i % 100 !== 99);
  return { n: ids.length, distinct: ids.length, levels: ids.reduce((s, i) => s + (i % 300), 0) };
}

test('after a fix, weir replay loads the failed rows exactly once; a second replay adds nothing', async () => {
  const N = 3000;
  const dir = await idProject({ 'data/a.log': lines(N) }, config('TINYINT'));
  assert.equal(weir(['run', dir]).status, 0);
  const before = await rows(dir);
  assert.ok(before.n < truth(N).n, 'the narrow cast sent rows to the error store');

  await writeFile(join(dir, 'weir.yaml'), config('INT'));
  const dry = weir(['replay', dir, '--dry-run', '--json']);
  assert.equal(dry.status, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout).tables.t;
  assert.deepEqual(
    [plan.records, plan.load, plan.fail.CAST],
    [N - before.n, truth(N).n - before.n, N / 100],
    'the dry run says what would load and what would still fail',
  );
  assert.deepEqual(await rows(dir), before, 'a dry run changes nothing');

  const first = weir(['replay', dir]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`t +${N - before.n} +${truth(N).n - before.n} +0 +${N / 100}`));
  assert.deepEqual(await rows(dir), truth(N));

  const second = weir(['replay', dir]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /nothing to replay/);
  assert.match(
    second.stdout,
    new RegExp(`left alone: ${N / 100} error record\\(s\\) failed under the current version`),
  );
  assert.deepEqual(await rows(dir), truth(N), 'replaying twice adds nothing');

  const status = JSON.parse(weir(['status', dir, '--json']).stdout);
  assert.deepEqual(
    [
      status.replayed.tables.t.recordsIn,
      status.replayed.tables.t.recordsOut,
      status.replayed.tables.t.recordsErrored,
    ],
    [N - before.n, truth(N).n - before.n, N / 100],
  );
  // The run's own counters keep what the run did; the conservation rule holds for both.
  const c = status.counters.tables.t;
  assert.equal(c.recordsIn, c.recordsOut + c.recordsDropped + c.recordsErrored);
  // weir errors shows what is still open: the records that failed again, as new error records.
  const total = (args: string[]) =>
    JSON.parse(weir(['errors', dir, '--json', ...args]).stdout).counts.reduce(
      (n: number, c: { records: number }) => n + Number(c.records),
      0,
    );
  assert.equal(total([]), N / 100);
  assert.equal(total(['--all']), N - before.n + N / 100, 'with --all, the replayed ones too');
  const all = JSON.parse(weir(['errors', dir, '--json', '--all', '--limit', '100000']).stdout).records as {
    replayed_by: string | null;
    replayed_version: string | null;
  }[];
  const by = all.filter((r) => r.replayed_by);
  assert.equal(by.length, N - before.n, 'each replayed record names its replay');
  assert.ok(
    by.every((r) => r.replayed_version && r.replayed_version.length === 12),
    'and the version it ran',
  );
});

test('SIGKILL a replay again and again, then run it to the end: exact', async () => {
  const N = 40_000;
  const dir = await idProject({ 'data/a.log': lines(N) }, config('TINYINT'));
  assert.equal(weir(['run', dir]).status, 0);
  await writeFile(join(dir, 'weir.yaml'), config('INT'));
  let kills = 0;
  for (let attempt = 0; attempt < 40 && kills < 10; attempt++) {
    const p = spawn(process.execPath, [CLI, 'replay', dir], {
      stdio: 'ignore',
      env: { ...process.env, WEIR_TEST_BATCH_DELAY_MS: '150', WEIR_TEST_REPLAY_BATCH: '200' },
    });
    const exited = new Promise<unknown>((done) => p.once('exit', (code, signal) => done(code ?? signal)));
    // Start-up takes ~0.7 s here; then a batch of 200 every ~0.15 s, a checkpoint every 0.2 s.
    await sleep(800 + Math.floor(Math.random() * 2500));
    p.kill('SIGKILL');
    const exit = await exited;
    if (exit === 'SIGKILL') kills++;
    else assert.equal(exit, 0, 'a replay not killed ends well');
  }
  assert.ok(kills >= 10, `killed ${kills} times`);
  const last = weir(['replay', dir]);
  assert.equal(last.status, 0, last.stderr);
  assert.deepEqual(await rows(dir), truth(N));
  assert.match(weir(['replay', dir]).stdout, /nothing to replay/);
  assert.deepEqual(await rows(dir), truth(N));
});

test('two tables replayed together: each keeps its rows and its records that still fail', async () => {
  const N = 1000;
  const twoTables = (level: string) =>
    config(level).replace(
      'sinks:\n',
      `  u:\n    source: events\n    parser: { json: {} }\n    schema: { id: BIGINT NOT NULL, level: ${level} }\nsinks:\n  u: { table: u, hive: { database: db, format: parquet } }\n`,
    );
  const dir = await idProject({ 'data/a.log': lines(N) }, twoTables('TINYINT'));
  assert.equal(weir(['run', dir]).status, 0);
  await writeFile(join(dir, 'weir.yaml'), twoTables('INT'));
  const r = weir(['replay', dir]);
  assert.equal(r.status, 0, r.stderr);
  const counts = JSON.parse(weir(['errors', dir, '--json']).stdout).counts as {
    table: string;
    records: number;
  }[];
  assert.deepEqual(
    counts.map((c) => [c.table, Number(c.records)]).sort(),
    [
      ['t', N / 100],
      ['u', N / 100],
    ],
    'the error records that failed again, of both tables',
  );
  assert.deepEqual(await rows(dir), truth(N));
});

test('on a terminal a replay shows a progress bar with rate and ETA; in a pipe, no bar', async () => {
  const dir = await idProject({ 'data/a.log': lines(300) }, config('TINYINT'));
  assert.equal(weir(['run', dir]).status, 0);
  await writeFile(join(dir, 'weir.yaml'), config('INT'));
  // script(1) gives the replay a pseudo-terminal, as a user's shell does.
  const command = `${process.execPath} ${CLI} replay ${dir}`;
  const tty = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, WEIR_TEST_REPLAY_BATCH: '20', WEIR_TEST_BATCH_DELAY_MS: '20' },
  });
  assert.equal(tty.status, 0, tty.stdout);
  assert.match(tty.stdout, /replayed error records \|[=-]+\| \d+\/\d+ \| [\d,]+\/s \| ETA /);
  const piped = weir(['replay', dir]);
  assert.doesNotMatch(piped.stderr, /\|[=-]+\|/);
});
