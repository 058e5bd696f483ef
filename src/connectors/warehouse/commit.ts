// Making closed files visible (rename to their final name) and cleaning up after a crash.
import { linkSync, readFileSync, renameSync } from 'node:fs';
import { open, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDir } from '../../core/fs.ts';
import { DETOUR_MARKER } from './compaction.ts';
import { withDirLock } from './dir-lock.ts';
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

export interface Replay {
  /**
   * Recovery replaying a manifest: a file whose in-progress and final names are both gone was
   * committed and has since been merged by a compaction (or deleted on purpose), not lost now.
   */
  replay?: boolean;
}

/** Already committed: at its final name, or (replaying) no longer anywhere. */
async function gone(f: PendingFile, opts: Replay): Promise<boolean> {
  return (await exists(f.final)) || (opts.replay === true && !(await exists(f.inProgress)));
}

/**
 * Renames in-progress → final, holding each partition folder's lock (a compaction swapping that
 * folder's files sees every file committed before it, or none). Idempotent: a file already at its
 * final name is fine (recovery replay).
 */
export async function commitFiles(files: PendingFile[], opts: Replay = {}): Promise<void> {
  const byDir = new Map<string, PendingFile[]>();
  for (const f of files) {
    const dir = dirname(f.final);
    const list = byDir.get(dir);
    if (list) list.push(f);
    else byDir.set(dir, [f]);
  }
  // Folders in parallel (a checkpoint of 1,000 tables commits into 1,000 of them); inside the
  // lock only quick synchronous renames and links, so commits barely wait for each other.
  const dirs = [...byDir];
  for (let i = 0; i < dirs.length; i += COMMIT_PARALLELISM) {
    await Promise.all(dirs.slice(i, i + COMMIT_PARALLELISM).map(([dir, list]) => commitDir(dir, list, opts)));
  }
}

const COMMIT_PARALLELISM = 16;

async function commitDir(dir: string, list: PendingFile[], opts: Replay): Promise<void> {
  const { renamed, detour } = await withDirLock(dir, async () => {
    let renamed = false;
    for (const f of list) {
      try {
        renameSync(f.inProgress, f.final);
        renamed = true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !(await gone(f, opts))) {
          throw new Error(`cannot commit ${f.final}: ${(e as Error).message}`, { cause: e });
        }
      }
    }
    // A compaction points readers at a detour folder now (compaction.ts): the files go there too.
    const detour = renamed ? detourOf(dir) : undefined;
    if (detour !== undefined) {
      for (const f of list) {
        try {
          linkSync(f.final, join(detour, basename(f.final)));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      }
    }
    return { renamed, detour };
  });
  if (renamed) await syncDir(dir);
  // The compaction may have swapped back and removed its detour folder since: nothing to sync then.
  if (detour !== undefined)
    await syncDir(detour).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
}

function detourOf(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, DETOUR_MARKER), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Publishes the committed prefix of files a checkpoint recorded as open (row formats): each is cut
 * back to its committed length (`bytes`), then renamed like commitFiles. Idempotent: a file already
 * at its final name was published before (its in-progress name is gone).
 */
export async function publishPrefixes(files: PendingFile[], opts: Replay = {}): Promise<void> {
  const found: PendingFile[] = [];
  for (const f of files) {
    try {
      // Durable before the rename: a published file must never regain rows past its prefix.
      const handle = await open(f.inProgress, 'r+');
      try {
        await handle.truncate(f.bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && (await gone(f, opts))) continue;
      throw new Error(`cannot commit ${f.final}: ${(e as Error).message}`, { cause: e });
    }
    found.push(f);
  }
  await commitFiles(found, opts);
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
