// Which `weir run` and `weir replay` processes of a project are alive: each marks itself with a
// file under <checkpoints>/_live named by its run id, so recovery spares their in-progress files.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

function liveDir(root: string): string {
  return join(root, '_live');
}

/** Run ids of `weir run` processes that are alive (on this host: checked by pid; elsewhere: assumed). */
export async function liveRuns(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(liveDir(root));
  } catch {
    return [];
  }
  const live: string[] = [];
  for (const name of names) {
    try {
      const { pid, host } = JSON.parse(await readFile(join(liveDir(root), name), 'utf8'));
      if (host !== hostname()) live.push(name);
      else {
        process.kill(pid, 0);
        live.push(name);
      }
    } catch {
      await rm(join(liveDir(root), name), { force: true });
    }
  }
  return live;
}

export async function markLive(root: string, runId: string): Promise<() => Promise<void>> {
  await mkdir(liveDir(root), { recursive: true });
  const path = join(liveDir(root), runId);
  await writeFile(path, JSON.stringify({ pid: process.pid, host: hostname() }));
  return () => rm(path, { force: true });
}
