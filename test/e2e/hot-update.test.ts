// Hot update as a user does it: edit weir.yaml while `weir run --follow` runs. A valid version is
// taken at a checkpoint, without restarting the process: every record is processed by exactly one
// version (the lines appended before the edit by the old rules, after it by the new). A broken
// version is refused and the run goes on; going back to the first text switches back.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { latestManifest } from '../../src/runtime/checkpoint.ts';
import { CLI, followIdConfig, idProject } from './id-project.ts';

const V1 = followIdConfig;
// A filter change and an added nullable column: light changes.
const V2 = V1.replace('"id % 2 = 0"', '"id % 3 = 0"').replace(
  '{ id: BIGINT NOT NULL }',
  '{ id: BIGINT NOT NULL, note: STRING }',
);
const BROKEN = V2.replace('parser: { json: {} }', 'parser: { regex: { pattern: "(" } }');

const lines = (from: number, to: number, note: string) =>
  Array.from({ length: to - from + 1 }, (_, i) => `{"id":${from + i},"note":"${note}"}\n`).join('');

async function until(what: string, ok: () => boolean | Promise<boolean>, output: () => string) {
  for (const end = Date.now() + 30_000; Date.now() < end; ) {
    if (await ok()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}:\n${output()}`);
}

test('weir run --follow takes edited versions at a checkpoint, refuses a broken one, runs on', async () => {
  const dir = await idProject({ 'data/a.log': lines(1, 10, 'v1') }, V1);
  const yaml = join(dir, 'weir.yaml');
  const run = spawn(process.execPath, [CLI, 'run', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  run.stderr.on('data', (d) => (err += d));
  const output = () => err;
  const status = () => {
    const r = spawnSync(process.execPath, [CLI, 'status', dir, '--json'], { encoding: 'utf8' });
    return r.status === 0 ? JSON.parse(r.stdout) : undefined;
  };
  // The worker's last manifest (weir status cannot load a broken weir.yaml).
  const manifest = () => latestManifest(join(dir, 'warehouse', '_weir', 'checkpoints'), 'events', 0);
  const readUpTo = (n: number) => async () =>
    (await manifest().catch(() => undefined))?.counters.recordsRead === n;
  try {
    await until('the first lines', readUpTo(10), output);
    const v1 = (await manifest())!.configVersion;

    await writeFile(yaml, V2);
    await until('the switch to the new version', () => /going on with version/.test(err), output);
    await appendFile(join(dir, 'data', 'a.log'), lines(11, 20, 'v2'));
    await until('the lines after the switch', readUpTo(20), output);
    const v2 = (await manifest())!.configVersion;
    assert.notEqual(v2, v1, 'the manifest says which version committed');

    await writeFile(yaml, BROKEN);
    await until(
      'the refusal',
      () => /the changed project \(version \w+\) was refused; running on version/.test(err),
      output,
    );
    assert.match(err, /tables\.t\.parser\.regex\.pattern: the regex does not compile/);
    await appendFile(join(dir, 'data', 'a.log'), lines(21, 30, 'v2'));
    await until('the lines after the refusal', readUpTo(30), output);
    // The worker's manifest says which version was refused and why (weir status shows it).
    const refused = (await manifest())!;
    assert.equal(refused.configVersion, v2);
    assert.match(
      refused.refused?.message ?? '',
      /tables\.t\.parser\.regex\.pattern: the regex does not compile/,
    );
    assert.notEqual(refused.refused?.version, v2);
    const broken = spawnSync(process.execPath, [CLI, 'status', dir], { encoding: 'utf8' });
    assert.equal(broken.status, 1, 'weir.yaml has problems');
    assert.match(broken.stderr, /tables\.t\.parser\.regex\.pattern/);
    assert.match(
      broken.stdout,
      new RegExp(
        `job events, worker 0 refused version ${refused.refused?.version} at .* and runs on ${v2}: tables\\.t\\.parser`,
      ),
      broken.stdout,
    );

    // The files back to the version that runs: nothing to switch, the refusal is cleared.
    await writeFile(yaml, V2);
    await until(
      'the return',
      () => /the project is back to version \w+, the one that runs/.test(err),
      output,
    );
    await until('the refusal cleared', async () => (await manifest())?.refused === undefined, output);

    await writeFile(yaml, V1); // back to the first version
    await until('the switch back', () => (err.match(/going on with version/g) ?? []).length === 2, output);
    await appendFile(join(dir, 'data', 'a.log'), lines(31, 40, 'v1'));
    await until('the lines after the switch back', readUpTo(40), output);
    assert.equal((await manifest())!.configVersion, v1);
    assert.equal((await manifest())!.refused, undefined, 'a refusal shows until the next switch');
    const shown = spawnSync(process.execPath, [CLI, 'status', dir], { encoding: 'utf8' });
    assert.match(shown.stdout, new RegExp(`events +0 +${v1} +\\d{4}-`), shown.stdout);
    assert.equal(run.exitCode, null, `the run never stopped:\n${err}`);
  } finally {
    run.kill('SIGTERM');
  }
  assert.equal(await new Promise((done) => run.once('exit', done)), 0, err);

  // Each line by exactly one version: 1-10 and 31-40 drop even ids; 11-30 drop multiples of 3
  // and keep the note (the column the version added).
  const sql = spawnSync(process.execPath, [CLI, 'sql', dir, 'SELECT id FROM db.t ORDER BY id', '--json'], {
    encoding: 'utf8',
  });
  assert.equal(sql.status, 0, sql.stderr);
  const ids = sql.stdout
    .trim()
    .split('\n')
    .map((l) => Number(JSON.parse(l).id));
  const want = [
    ...[1, 3, 5, 7, 9],
    ...Array.from({ length: 20 }, (_, i) => 11 + i).filter((id) => id % 3 !== 0),
    ...[31, 33, 35, 37, 39],
  ];
  assert.deepEqual(ids, want);
  const c = status()!.counters.tables.t;
  assert.deepEqual([c.recordsIn, c.recordsOut, c.recordsDropped], [40, want.length, 40 - want.length]);
});

test('SIGKILL right after a switch: the restart resumes exactly once, on the new version', async () => {
  const dir = await idProject({ 'data/a.log': lines(1, 10, 'v1') }, V1);
  const manifest = () => latestManifest(join(dir, 'warehouse', '_weir', 'checkpoints'), 'events', 0);
  const readUpTo = (n: number) => async () =>
    (await manifest().catch(() => undefined))?.counters.recordsRead === n;
  const start = () => {
    const p = spawn(process.execPath, [CLI, 'run', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const state = { err: '' };
    p.stderr.on('data', (d) => (state.err += d));
    return {
      p,
      state,
      exited: new Promise((done) => p.once('exit', (code, signal) => done(code ?? signal))),
    };
  };
  const first = start();
  let v1: string | undefined;
  try {
    await until('the first lines', readUpTo(10), () => first.state.err);
    v1 = (await manifest())!.configVersion;
    await writeFile(join(dir, 'weir.yaml'), V2);
    await until(
      'the switch',
      () => /going on with version/.test(first.state.err),
      () => first.state.err,
    );
    await appendFile(join(dir, 'data', 'a.log'), lines(11, 20, 'v2'));
  } finally {
    first.p.kill('SIGKILL');
  }
  assert.equal(await first.exited, 'SIGKILL');
  const second = start();
  try {
    await until('the lines after the restart', readUpTo(20), () => second.state.err);
    assert.notEqual((await manifest())!.configVersion, v1, 'committed by the new version');
  } finally {
    second.p.kill('SIGTERM');
  }
  assert.equal(await second.exited, 0, second.state.err);
  const sql = spawnSync(
    process.execPath,
    [CLI, 'sql', dir, 'SELECT id, note FROM db.t ORDER BY id', '--json'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(sql.status, 0, sql.stderr);
  const rows = sql.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const want = [
    ...[1, 3, 5, 7, 9].map((id) => ({ id, note: null })),
    ...[11, 13, 14, 16, 17, 19, 20].map((id) => ({ id, note: 'v2' })),
  ];
  assert.deepEqual(rows, want);
});

test('a version with other source settings rebuilds the job in the same process, from its checkpoint', async () => {
  const dir = await idProject({ 'data/a.log': lines(1, 10, 'v1') }, V1);
  const manifest = () => latestManifest(join(dir, 'warehouse', '_weir', 'checkpoints'), 'events', 0);
  const readUpTo = (n: number) => async () =>
    (await manifest().catch(() => undefined))?.counters.recordsRead === n;
  const run = spawn(process.execPath, [CLI, 'run', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  run.stderr.on('data', (d) => (err += d));
  const output = () => err;
  try {
    await until('the first lines', readUpTo(10), output);
    await writeFile(join(dir, 'data', 'b.txt'), lines(11, 20, 'txt'));
    // The source now reads data/*.txt: its reader must be built again.
    await writeFile(join(dir, 'weir.yaml'), V1.replace('"data/*.log"', '"data/*.txt"'));
    await until(
      'the rebuild',
      () => /job events: checkpointed; started again on version \w+/.test(err),
      output,
    );
    await until('the .txt lines', readUpTo(20), output);
    await appendFile(join(dir, 'data', 'a.log'), lines(21, 30, 'v1')); // no longer a file of the source
    await appendFile(join(dir, 'data', 'b.txt'), lines(31, 35, 'txt'));
    await until('the appended .txt lines', readUpTo(25), output);
    assert.equal(run.exitCode, null, 'the same process went on');
    assert.doesNotMatch(err, /needs a restart/);
  } finally {
    run.kill('SIGTERM');
  }
  assert.equal(await new Promise((done) => run.once('exit', done)), 0, err);
  const sql = spawnSync(process.execPath, [CLI, 'sql', dir, 'SELECT id FROM db.t ORDER BY id', '--json'], {
    encoding: 'utf8',
  });
  const ids = sql.stdout
    .trim()
    .split('\n')
    .map((l) => Number(JSON.parse(l).id));
  const odd = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((id) => id % 2 !== 0);
  assert.deepEqual(ids, [...odd(1, 20), ...odd(31, 35)]);
});
