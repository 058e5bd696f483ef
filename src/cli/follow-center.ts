// `weir run --from <url>/projects/<name> <dir>`: the project's latest version from the config
// center is written into <dir>, and every newer version after it. The run's own watcher
// (src/runtime/watch.ts) then validates and switches to it, as for a local edit, so processes on
// several machines following one center converge on its latest version.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../core/fs.ts';
import { runningWorkers } from '../runtime/worker-status.ts';
import { CenterError, centerRequest } from './center-client.ts';

interface Version {
  version: number;
  files: Record<string, string>;
}

/** Which files came from the center (so a file a newer version drops is removed). */
const MARK = '.weir-center.json';

async function written(dir: string): Promise<{ version: number; files: string[] }> {
  try {
    return JSON.parse(await readFile(join(dir, MARK), 'utf8'));
  } catch {
    return { version: 0, files: [] };
  }
}

/**
 * Writes `v` into dir (files inside dir only); resolves with its number. Each file is replaced
 * whole, and weir.yaml last, so the run's watcher never reads a half-written file.
 */
async function write(dir: string, v: Version): Promise<number> {
  const before = await written(dir);
  const files = Object.entries(v.files).sort(
    ([a], [b]) => Number(a === 'weir.yaml') - Number(b === 'weir.yaml'),
  );
  for (const [path, text] of files) {
    const target = resolve(dir, path);
    if (!target.startsWith(`${resolve(dir)}/`))
      throw new CenterError(`version ${v.version}: ${path} is outside ${dir}`);
    await mkdir(dirname(target), { recursive: true });
    await writeFileAtomic(target, text);
  }
  for (const path of before.files) if (!(path in v.files)) await rm(resolve(dir, path), { force: true });
  await writeFileAtomic(join(dir, MARK), JSON.stringify({ version: v.version, files: Object.keys(v.files) }));
  return v.version;
}

/**
 * Writes the latest version into dir when it is newer than what dir has; its number. With
 * `waitSeconds`, the center holds the request until there is a newer one (long-poll).
 */
export async function syncFromCenter(
  projectUrl: string,
  dir: string,
  waitSeconds = 0,
  signal?: AbortSignal,
): Promise<number> {
  await mkdir(dir, { recursive: true });
  const have = (await written(dir)).version;
  const query = waitSeconds > 0 ? `?after=${have}&wait=${waitSeconds}` : '';
  const answer = await centerRequest(`${projectUrl.replace(/\/+$/, '')}/versions/latest${query}`, {
    ...(signal ? { signal } : {}),
  });
  if (typeof answer !== 'object' || answer === null) return have; // 204: nothing newer in time
  const v = answer as Version;
  return v.version === have ? have : write(dir, v);
}

/** The follower's id at the center: stable for one folder on one host, across restarts. */
export function followerId(dir: string): string {
  const host = hostname().replace(/[^\w.~-]/g, '_');
  return `${host}-${createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 8)}`;
}

/** Every 5 s, what each worker runs (and refused), from its manifests, to the center (any token). */
function reportToCenter(projectUrl: string, dir: string, signal: AbortSignal, log: (line: string) => void) {
  const every = Number(process.env.WEIR_TEST_REPORT_MS) || 5000;
  const url = `${projectUrl.replace(/\/+$/, '')}/workers/${followerId(dir)}`;
  let lastError = '';
  void (async () => {
    while (!signal.aborted) {
      try {
        const body = {
          host: hostname(),
          dir: resolve(dir),
          following: (await written(dir)).version,
          workers: await runningWorkers(dir),
        };
        await centerRequest(url, { method: 'PUT', body, signal });
        lastError = '';
      } catch (e) {
        const why = (e as Error).message;
        // An unreachable center is logged by the follower's long poll; a refused report here.
        if (!signal.aborted && why !== lastError && !why.startsWith('cannot reach'))
          log(`weir: the center did not take this run's report (${why})`);
        lastError = why;
      }
      await sleep(every, undefined, { signal }).catch(() => {});
    }
  })();
}

/**
 * Long-polls the center and writes each newer version into dir, reconnecting with a growing pause
 * (1 s … 30 s) while the center is away, and reports what the workers run; returns stop().
 */
export function followCenter(projectUrl: string, dir: string, log: (line: string) => void): () => void {
  const stop = new AbortController();
  reportToCenter(projectUrl, dir, stop.signal, log);
  void (async () => {
    let pause = 1000;
    let lastError = '';
    while (!stop.signal.aborted) {
      try {
        const before = (await written(dir)).version;
        const now = await syncFromCenter(projectUrl, dir, 30, stop.signal);
        if (now !== before) log(`weir: version ${now} of ${projectUrl} written to ${dir}`);
        if (lastError) log(`weir: following ${projectUrl} again`);
        lastError = '';
        pause = 1000;
      } catch (e) {
        if (stop.signal.aborted) return;
        // The center being away is no reason to stop: the run goes on with what it has.
        const why = (e as Error).message;
        if (why !== lastError)
          log(`weir: cannot follow ${projectUrl} (going on with what the run has, trying again): ${why}`);
        lastError = why;
        await sleep(pause, undefined, { signal: stop.signal }).catch(() => {});
        pause = Math.min(pause * 2, 30_000);
      }
    }
  })();
  return () => stop.abort();
}
