import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { acquireRunLock, LOCK_FILE, RunLockedError } from './lock.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'weir-lock-'));
  dirs.push(d);
  return d;
}

test('one holder at a time; the second is told who holds it; released, it is free again', async () => {
  const dir = temp();
  const first = await acquireRunLock(dir, 'source logs');
  await assert.rejects(acquireRunLock(dir, 'source logs'), (e: Error) => {
    assert.ok(e instanceof RunLockedError);
    assert.match(e.message, new RegExp(`process ${process.pid} on ${hostname()}, running since 20`));
    return true;
  });
  await first.release();
  await (await acquireRunLock(dir, 'source logs')).release();
});

test('a holder that was SIGKILLed does not keep the lock', async () => {
  const dir = temp();
  const script = `
    const { acquireRunLock } = await import(${JSON.stringify(new URL('./lock.ts', import.meta.url).href)});
    await acquireRunLock(${JSON.stringify(dir)}, 'child');
    console.log('locked');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((done) => child.stdout.once('data', () => done()));
  await assert.rejects(acquireRunLock(dir, 'parent'), new RegExp(`process ${child.pid} on`));
  child.kill('SIGKILL');
  await new Promise((done) => child.once('exit', done));
  await (await acquireRunLock(dir, 'parent')).release();
});

test('a lock left by a reused pid, or not refreshed for 30 s (another machine), is free', async () => {
  const dir = temp();
  const path = join(dir, LOCK_FILE);
  // Our own pid, but another process start: the pid was reused.
  writeFileSync(
    path,
    JSON.stringify({ pid: process.pid, host: hostname(), since: 'x', startTicks: '1', what: 'old' }),
  );
  await (await acquireRunLock(dir, 'new')).release();
  // Another machine's holder that stopped refreshing.
  writeFileSync(
    path,
    JSON.stringify({ pid: 1, host: 'elsewhere', since: 'x', startTicks: null, what: 'old' }),
  );
  await assert.rejects(acquireRunLock(dir, 'new'), /process 1 on elsewhere/);
  const old = new Date(Date.now() - 60_000);
  utimesSync(path, old, old);
  const lock = await acquireRunLock(dir, 'new');
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
  await lock.release();
});
