// Making closed files visible (rename to their final name) and cleaning up after a crash.
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syncDir } from '../../core/fs.ts';
import type { PendingFile } from './loader.ts';

const IN_PROGRESS = /^\..+\.inprogress$/;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Renames in-progress → final. Idempotent: a file already at its final name is fine (recovery replay). */
export async function commitFiles(files: PendingFile[]): Promise<void> {
  const dirs = new Set<string>();
  for (const f of files) {
    try {
      await rename(f.inProgress, f.final);
      dirs.add(dirname(f.final));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !(await exists(f.final))) {
        throw new Error(`cannot commit ${f.final}: ${(e as Error).message}`, { cause: e });
      }
    }
  }
  for (const dir of dirs) await syncDir(dir);
}

/**
 * Removes in-progress files under `location` that are not in `keep` (nor spared by `spare`, which
 * sees the file name); returns how many.
 */
export async function deleteOrphans(
  location: string,
  keep: Set<string>,
  spare: (name: string) => boolean = () => false,
): Promise<number> {
  let removed = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && IN_PROGRESS.test(entry.name) && !keep.has(path) && !spare(entry.name)) {
        await rm(path, { force: true });
        removed++;
      }
    }
  };
  await walk(location);
  return removed;
}
