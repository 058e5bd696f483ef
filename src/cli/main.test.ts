import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

test('weir --help lists the commands', () => {
  const r = spawnSync(process.execPath, ['bin/weir.js', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: weir <command>/);
  assert.match(r.stdout, /validate/);
});

test('an unknown command exits 2 with help', () => {
  const r = spawnSync(process.execPath, ['bin/weir.js', 'frobnicate'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command "frobnicate"/);
});

test('an unknown option is a plain message plus the help, exit 2, for commands that used to crash on it', () => {
  for (const cmd of ['run', 'errors', 'generate', 'sql']) {
    const r = spawnSync(process.execPath, ['bin/weir.js', cmd, '--nope'], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${cmd}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^weir ${cmd}: Unknown option '--nope'`), cmd);
    assert.match(r.stderr, new RegExp(`^Usage: weir ${cmd}`, 'm'), cmd);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, `${cmd}: no stack trace`);
  }
});

test('on an older Node, bin/weir.js passes the exit code through and forwards SIGTERM to the real process', {
  timeout: 60_000,
}, async (t) => {
  const old = '/usr/bin/node';
  const version = spawnSync(old, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  if (!/^v(1\d|2[0-3])\./.test(version)) return t.skip(`needs a Node older than 24 at ${old}`);
  assert.equal(spawnSync(old, ['bin/weir.js', 'frobnicate']).status, 2);

  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'weir-wrapper-'));
  writeFileSync(join(dir, 'in.log'), '{"id":1}\n');
  writeFileSync(
    join(dir, 'weir.yaml'),
    'sources: { s: { files: { path: in.log } } }\ntables: { t: { source: s, parser: { json: {} }, schema: { id: BIGINT } } }\nsinks: { t: { table: t, hive: { database: d } } }\n',
  );
  const { spawn } = await import('node:child_process');
  const wrapper = spawn(old, ['bin/weir.js', 'run', dir, '--follow'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((done) => wrapper.on('exit', (code) => done(code)));
  const childOf = () => spawnSync('pgrep', ['-P', String(wrapper.pid)], { encoding: 'utf8' }).stdout.trim();
  let real = '';
  for (let i = 0; i < 100 && !real; i++) {
    await new Promise((r) => setTimeout(r, 100));
    real = childOf();
  }
  assert.ok(real, 'the wrapper started the real process');
  await new Promise((r) => setTimeout(r, 1500));
  wrapper.kill('SIGTERM');
  assert.equal(await exited, 0, 'the real process took its final checkpoint and exited 0');
  const alive = spawnSync('kill', ['-0', real]).status === 0;
  assert.equal(alive, false, `process ${real} was left running`);
});

test('weir --help promises metrics only once the server answers GET /metrics', async () => {
  const { createApp } = await import('../server/app.ts');
  const { Registry } = await import('../server/registry/store.ts');
  const app = createApp({ registry: await Registry.open() });
  const metrics = await app.request('/metrics');
  const r = spawnSync(process.execPath, ['bin/weir.js', '--help'], { encoding: 'utf8' });
  assert.equal(/metrics/i.test(r.stdout), metrics.status === 200, r.stdout);
});
