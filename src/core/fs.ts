// Small file helpers shared by the stores that keep state in files (catalog, checkpoints, registry).
import { randomBytes } from 'node:crypto';
import { link, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Fsyncs a folder, so that renames and links inside it survive a crash. */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/**
 * Writes `data` to a fresh, fsynced, dot-named temp file beside `path`, hands its name to `place`
 * (which gives it its final name), removes the temp file if it is still there, and fsyncs the folder.
 * Returns what `place` returns.
 */
async function viaTemp<T>(
  path: string,
  data: string | Uint8Array,
  place: (temp: string) => Promise<T>,
): Promise<T> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let placed: T;
  try {
    const file = await open(temp, 'w');
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    placed = await place(temp);
  } finally {
    await rm(temp, { force: true });
  }
  await syncDir(dir);
  return placed;
}

/**
 * Durable replacement, so readers see the old content or the new, never a torn file: a temp file
 * renamed over `path`, then the folder fsynced so the rename itself survives a crash. The folder
 * must exist.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await viaTemp(path, data, (temp) => rename(temp, path));
}

/**
 * Creates `path` with `data`, complete or not at all, only if the name is free (link(2) refuses an
 * existing name, where rename would replace it); false when it exists. The folder must exist.
 */
export function createFileOnce(path: string, data: string | Uint8Array): Promise<boolean> {
  return viaTemp(path, data, async (temp) => {
    try {
      await link(temp, path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  });
}

/** The names in `dir`; none when the folder does not exist (yet). */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
