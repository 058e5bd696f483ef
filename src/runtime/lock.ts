// One run per file source: a run holds a lock on the source's checkpoint folder while it runs.
//
// The lock is an abstract Unix socket (Linux) named after the folder's real path. Binding it is
// atomic (two starters cannot both win) and the kernel releases it when the process ends, however
// it ends (a SIGKILLed holder leaves nothing stuck, pids reused later do not matter). Beside it,
// `run.lock` in the folder says who holds it (pid, host, since) for the refusal message, and its
// mtime is refreshed every HEARTBEAT_MS: the socket only reaches runs on this machine (network
// namespace), so a fresh `run.lock` written by another host also counts as held.
import { createHash } from 'node:crypto';
import { mkdir, readFile, realpath, rm, stat, utimes } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs.ts';

export const LOCK_FILE = 'run.lock';
const HEARTBEAT_MS = 10_000;
/** A `run.lock` of another host older than this is a crashed run's. */
const STALE_MS = 3 * HEARTBEAT_MS;

export interface LockHolder {
  pid: number;
  host: string;
  /** When the holder started (ISO time). */
  since: string;
}

/** Another run holds the lock of a source. */
export class RunLockedError extends Error {
  readonly holder: LockHolder | undefined;
  constructor(what: string, dir: string, holder: LockHolder | undefined) {
    const who = holder
      ? `weir run (pid ${holder.pid} on ${holder.host}, running since ${holder.since})`
      : 'weir run (just starting)';
    super(
      `${what} is already being run by another ${who}; a second run would load its data twice. ` +
        `Stop that run first, or wait for it to finish (lock: ${join(dir, LOCK_FILE)})`,
    );
    this.name = 'RunLockedError';
    this.holder = holder;
  }
}

export interface RunLock {
  release(): Promise<void>;
}

function bind(name: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') resolve(null);
      else reject(e);
    });
    server.listen(name, () => {
      server.unref();
      resolve(server);
    });
  });
}

async function readHolder(file: string): Promise<{ holder: LockHolder; age: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { holder: JSON.parse(text) as LockHolder, age: Date.now() - st.mtimeMs };
  } catch {
    return undefined; // none, or torn by a crash: no holder to name
  }
}

/**
 * Takes the lock of `dir` (created if missing) or throws RunLockedError naming the holder.
 * `what` names the locked thing in the message, e.g. `source "events" of project /p`.
 */
export async function acquireRunLock(dir: string, what: string): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const real = await realpath(dir);
  const name = `\0weir-run-lock/${createHash('sha256').update(real).digest('hex').slice(0, 40)}`;
  const file = join(dir, LOCK_FILE);
  const server = await bind(name);
  if (!server) throw new RunLockedError(what, dir, (await readHolder(file))?.holder);
  const previous = await readHolder(file);
  if (previous && previous.holder.host !== hostname() && previous.age < STALE_MS) {
    server.close();
    throw new RunLockedError(what, dir, previous.holder);
  }
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  await writeFileAtomic(file, JSON.stringify(holder));
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      // Removed before the socket is let go, so the next holder's file is never removed by us.
      await rm(file, { force: true });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
