// One `weir run` per file source: a lock file in the source's checkpoint folder, created only if
// absent (link(2)), holding who has it. A holder that crashed cannot leave it stuck: on its own
// machine a dead pid (or a reused one: the process start time differs) frees it at once; from
// anywhere, a lock whose holder stopped refreshing it (every 5 s) for 30 s is free.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createFileOnce } from '../core/fs.ts';

export const LOCK_FILE = 'run.lock';
const REFRESH_MS = 5_000;
const STALE_MS = 30_000;

interface Holder {
  pid: number;
  host: string;
  /** ISO time the run took the lock. */
  since: string;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22), to tell pid reuse. */
  startTicks: string | null;
  what: string;
}

export class RunLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunLockedError';
  }
}

export interface RunLock {
  release(): Promise<void>;
}

function startTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(h: Holder): boolean {
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  const ticks = startTicks(h.pid);
  return h.startTicks === null || ticks === null || ticks === h.startTicks;
}

async function readHolder(
  path: string,
): Promise<{ text: string; holder: Holder | null; age: number } | null> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let holder: Holder | null = null;
    try {
      holder = JSON.parse(text) as Holder;
    } catch {}
    return { text, holder, age: Date.now() - st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function isStale(found: { holder: Holder | null; age: number }): boolean {
  if (found.age > STALE_MS) return true;
  const h = found.holder;
  return h !== null && h.host === hostname() && !alive(h);
}

/** Moves a stale lock aside, unless it changed since it was read (then it is put back). */
async function breakStale(path: string, seen: string): Promise<void> {
  const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if ((await readFile(aside, 'utf8')) !== seen) await link(aside, path).catch(() => {});
  await rm(aside, { force: true });
}

/**
 * Takes the lock of `dir` for `what` (e.g. `weir run of job logs`); throws RunLockedError naming
 * the running holder when another live process has it.
 */
export async function acquireRunLock(dir: string, what: string): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me: Holder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    startTicks: startTicks(process.pid),
    what,
  };
  const text = JSON.stringify(me);
  for (let attempt = 0; attempt < 10; attempt++) {
    if (await createFileOnce(path, text)) {
      const refresh = setInterval(() => {
        const now = new Date();
        utimes(path, now, now).catch(() => {});
      }, REFRESH_MS);
      refresh.unref();
      return {
        async release() {
          clearInterval(refresh);
          const found = await readHolder(path);
          if (found?.text === text) await rm(path, { force: true });
        },
      };
    }
    const found = await readHolder(path);
    if (!found) continue;
    if (!isStale(found)) {
      const h = found.holder;
      const who = h ? `process ${h.pid} on ${h.host}, running since ${h.since}` : 'another process';
      throw new RunLockedError(
        `${what}: another weir run of this project is already running (${who}). Two runs of one files ` +
          `source would load its records twice: stop the other run first, or wait for it to finish. ` +
          `(Lock file: ${path}; it frees itself ${STALE_MS / 1000} s after its holder stops.)`,
      );
    }
    await breakStale(path, found.text);
  }
  throw new RunLockedError(`${what}: could not take the lock ${path}: other processes keep taking it`);
}
