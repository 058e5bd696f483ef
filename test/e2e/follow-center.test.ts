// Two `weir run --from <center>` processes in their own folders follow one config center: each
// starts on the latest version, both switch to each version published while they run, and they
// reconnect when the center restarts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { latestManifest } from '../../src/runtime/checkpoint.ts';
import { CLI, followIdConfig, idProject } from './id-project.ts';

const V1 = followIdConfig;
const V2 = V1.replace('"id % 2 = 0"', '"id % 3 = 0"');
const V3 = V1.replace('"id % 2 = 0"', '"id % 5 = 0"');
// Other checkpoint settings: a running job cannot take them without a restart, so each follower refuses it.
const V4 = V3.replace('interval_seconds: 0.3', 'interval_seconds: 0.4');
const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `{"id":${from + i}}\n`).join('');

async function until(what: string, ok: () => Promise<boolean> | boolean, output: () => string) {
  for (const end = Date.now() + 30_000; Date.now() < end; await sleep(100)) if (await ok()) return;
  assert.fail(`timed out waiting for ${what}:\n${output()}`);
}

// Resolves with the exit code, also when the process has already gone; fails with its output after 30 s.
async function exited(p: ReturnType<typeof spawn>, output: () => string) {
  if (p.exitCode !== null || p.signalCode !== null) return p.exitCode;
  const t = sleep(30_000, 'timeout', { ref: false });
  const code = await Promise.race([new Promise((done) => p.once('exit', (c) => done(c))), t]);
  if (code === 'timeout') assert.fail(`process did not stop:\n${output()}`);
  return code;
}

test('two weir run --from processes converge on each version published while they run, across a center restart', async () => {
  const host = await idProject({}, V1); // the project weir serve is started with
  let serverOut = '';
  const startServer = (port: string) => {
    serverOut = '';
    const p = spawn(process.execPath, [CLI, 'serve', host, '--port', port], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stdout.on('data', (d) => (serverOut += d));
    p.stderr.on('data', (d) => (serverOut += d));
    return p;
  };
  let server = startServer('0');
  const followers: { p: ReturnType<typeof spawn>; dir: string; err: string }[] = [];
  try {
    await until(
      'weir serve',
      () => /config center at (\S+)\/projects/.test(serverOut),
      () => serverOut,
    );
    const url = /config center at (\S+)\/projects/.exec(serverOut)![1]!;
    const publish = async (yaml: string) => {
      const res = await fetch(`${url}/projects/game/versions`, {
        method: 'POST',
        body: JSON.stringify({ files: { 'weir.yaml': yaml }, message: 'm' }),
      });
      assert.equal(res.status, 201, await res.text());
    };
    await publish(V1);
    for (let i = 0; i < 2; i++) {
      const dir = await mkdtemp(join(tmpdir(), 'weir-follower-'));
      await mkdir(join(dir, 'data'));
      await writeFile(join(dir, 'data', 'a.log'), lines(1, 10));
      const p = spawn(process.execPath, [CLI, 'run', '--from', `${url}/projects/game`, dir], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, WEIR_TEST_REPORT_MS: '300' },
      });
      const f = { p, dir, err: '' };
      p.stderr!.on('data', (d) => (f.err += d));
      followers.push(f);
    }
    const manifest = (dir: string) =>
      latestManifest(join(dir, 'warehouse', '_weir', 'checkpoints'), 'events', 0).catch(() => undefined);
    for (const f of followers) {
      await until(
        'the start',
        () => /weir run: version 1 of .* in /.test(f.err),
        () => f.err,
      );
      await until(
        'the first lines',
        async () => (await manifest(f.dir))?.counters.recordsRead === 10,
        () => f.err,
      );
    }
    await publish(V2);
    for (const f of followers) {
      await until(
        'the switch',
        () => /going on with version/.test(f.err),
        () => f.err,
      );
      await appendFile(join(f.dir, 'data', 'a.log'), lines(11, 20));
    }
    const versions = new Set<string>();
    for (const f of followers) {
      await until(
        'the new lines',
        async () => (await manifest(f.dir))?.counters.recordsRead === 20,
        () => f.err,
      );
      versions.add((await manifest(f.dir))!.configVersion!);
    }
    assert.equal(versions.size, 1, 'both committed on the same version');
    // The center goes away and comes back on its port: the followers reconnect and take version 3.
    server.kill('SIGTERM');
    await exited(server, () => serverOut);
    for (const f of followers)
      await until(
        'the lost center to be noticed',
        () => /cannot follow .*trying again/.test(f.err),
        () => f.err,
      );
    server = startServer(new URL(url).port);
    await until(
      'weir serve again',
      () => /config center at/.test(serverOut),
      () => serverOut,
    );
    await publish(V3);
    for (const f of followers) {
      await until(
        'the second switch',
        () => (f.err.match(/going on with version/g) ?? []).length === 2,
        () => f.err,
      );
      await appendFile(join(f.dir, 'data', 'a.log'), lines(21, 30));
    }
    for (const f of followers)
      await until(
        'the lines after the second switch',
        async () => (await manifest(f.dir))?.counters.recordsRead === 30,
        () => f.err,
      );
    // Each follower reports what its workers run; the center shows it by version number.
    const workers = () => {
      const r = spawnSync(
        process.execPath,
        [CLI, 'versions', '--from', url, '--project', 'game', '--workers'],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const onVersion = (n: number) => (out: string) =>
      followers.every((f) => new RegExp(`${f.dir} +events +0 +${n} `).test(out));
    await until('both followers reported version 3', () => onVersion(3)(workers()), workers);
    await publish(V4);
    for (const f of followers)
      await until(
        'the refusal',
        () => /version \w+ needs a restart of weir run/.test(f.err),
        () => f.err,
      );
    await until(
      'both refusals at the center',
      () => (workers().match(/refused version 4 at .*: needs a restart of weir run/g) ?? []).length === 2,
      workers,
    );
    assert.ok(onVersion(3)(workers()), 'both run on version 3');
  } finally {
    for (const f of followers) f.p.kill('SIGTERM');
    server.kill('SIGTERM');
  }
  for (const f of followers) {
    assert.equal(await exited(f.p, () => f.err), 0, f.err);
    const sql = spawnSync(
      process.execPath,
      [CLI, 'sql', f.dir, 'SELECT id FROM db.t ORDER BY id', '--json'],
      {
        encoding: 'utf8',
      },
    );
    const ids = sql.stdout
      .trim()
      .split('\n')
      .map((l) => Number(JSON.parse(l).id));
    assert.deepEqual(ids, [1, 3, 5, 7, 9, 11, 13, 14, 16, 17, 19, 20, 21, 22, 23, 24, 26, 27, 28, 29]);
    assert.match(f.err, /following .* again/);
    await rm(f.dir, { recursive: true, force: true });
  }
});
