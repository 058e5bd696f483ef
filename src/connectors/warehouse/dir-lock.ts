// A lock per partition folder, between the commits that rename files into it and a compaction
// swapping its files (compaction.ts). Like the run lock (src/runtime/lock.ts) it is an abstract
// Unix socket named after the folder: binding is atomic across threads and processes of this
// machine, and the kernel lets it go when its holder dies, so a crash never leaves it stuck.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Held longer than this by someone else: a hung holder; the waiter gives up with an error. */
const WAIT_MS = 60_000;

function bind(name: string): Promise<Server | null> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? done(null) : fail(e)));
    server.listen(name, () => {
      server.unref();
      done(server);
    });
  });
}

/** Waits for the lock of `dir` (an absolute or project-relative path, spelled as the writers spell it). */
export async function lockDir(dir: string): Promise<() => Promise<void>> {
  const name = lockName(dir);
  const started = Date.now();
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    const server = await bind(name);
    if (server) return () => new Promise<void>((done) => server.close(() => done()));
    if (Date.now() - started > WAIT_MS)
      throw new Error(`${dir} has been locked by a compaction for over ${WAIT_MS / 1000} s; is it hung?`);
    await sleep(wait);
  }
}

/** The lock of `dir` if it is free now; undefined when someone holds it. */
export async function tryLockDir(dir: string): Promise<(() => Promise<void>) | undefined> {
  const server = await bind(lockName(dir));
  return server ? () => new Promise<void>((done) => server.close(() => done())) : undefined;
}

const lockName = (dir: string) =>
  `\0weir-dir-lock/${createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 40)}`;

/** Runs `fn` holding the lock of `dir`. */
export async function withDirLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const release = await lockDir(dir);
  try {
    return await fn();
  } finally {
    await release();
  }
}
