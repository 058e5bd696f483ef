import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { acquireRunLock, LOCK_FILE, RunLockedError } from './lock.ts';

const LOCK = join(import.meta.dirname, 'lock.ts');
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'weir-lock-'));
  dirs.push(d);
  return join(d, 'checkpoints', 'events');
}

/** A process that tries to take the lock, prints `won` or `lost`, then holds it until killed. */
function contender(dir: string): { child: ChildProcess; verdict: Promise<string> } {
  const code = `import { acquireRunLock } from ${JSON.stringify(LOCK)};
try { await acquireRunLock(${JSON.stringify(dir)}, 'x'); console.log('won'); setInterval(() => {}, 1000); }
catch (e) { console.log(e.name === 'RunLockedError' ? 'lost' : String(e)); }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const verdict = new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', () => resolve(out.trim()));
  });
  return { child, verdict };
}

test('a second holder is refused with a message naming the first; released, the lock can be taken again', async () => {
  const dir = await tempDir();
  const first = await acquireRunLock(dir, 'source "events"');
  await assert.rejects(acquireRunLock(dir, 'source "events"'), (e: unknown) => {
    assert.ok(e instanceof RunLockedError);
    assert.match(e.message, /source "events" is already being run/);
    assert.match(e.message, new RegExp(`pid ${process.pid} on ${hostname()}, running since \\d{4}-`));
    return true;
  });
  await first.release();
  const again = await acquireRunLock(dir, 'source "events"');
  await again.release();
});

test('a SIGKILLed holder leaves nothing stuck', async () => {
  const dir = await tempDir();
  const holder = contender(dir);
  assert.equal(await holder.verdict, 'won');
  await assert.rejects(acquireRunLock(dir, 'x'), new RegExp(`pid ${holder.child.pid} `));
  const exited = new Promise((r) => holder.child.on('exit', r));
  holder.child.kill('SIGKILL');
  await exited;
  // Its run.lock is still there, naming a dead process: it does not count.
  assert.match(await readFile(join(dir, LOCK_FILE), 'utf8'), new RegExp(`"pid":${holder.child.pid}`));
  const lock = await acquireRunLock(dir, 'x');
  assert.match(await readFile(join(dir, LOCK_FILE), 'utf8'), new RegExp(`"pid":${process.pid}`));
  await lock.release();
});

test('of eight processes starting at once, exactly one wins', async () => {
  const dir = await tempDir();
  const all = Array.from({ length: 8 }, () => contender(dir));
  try {
    const verdicts = await Promise.all(all.map((c) => c.verdict));
    assert.deepEqual(
      verdicts.sort(),
      ['lost', 'lost', 'lost', 'lost', 'lost', 'lost', 'lost', 'won'],
      verdicts.join(','),
    );
  } finally {
    for (const c of all) c.child.kill('SIGKILL');
  }
});

test('a fresh lock of another host counts as held; a stale one does not', async () => {
  const dir = await tempDir();
  await (await acquireRunLock(dir, 'x')).release();
  const file = join(dir, LOCK_FILE);
  await writeFile(
    file,
    JSON.stringify({ pid: 4242, host: 'other-machine', since: '2026-01-01T00:00:00.000Z' }),
  );
  await assert.rejects(acquireRunLock(dir, 'x'), /pid 4242 on other-machine, running since 2026-01-01/);
  const old = new Date(Date.now() - 60_000);
  await utimes(file, old, old);
  const lock = await acquireRunLock(dir, 'x');
  await lock.release();
});
