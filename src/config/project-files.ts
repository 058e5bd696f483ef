// A project's files as the config center stores them and `weir run` watches them: weir.yaml and
// the code files (UDFs and what they import), path → text.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

const CODE_FILES = /\.(py|js|mjs|ts|mts)$/;
const SKIP_DIRS = new Set(['node_modules', 'warehouse', '__pycache__']);

/** weir.yaml and every .py/.js/.mjs/.ts/.mts file, outside node_modules, the warehouse and hidden folders. */
export async function projectFiles(dir: string, warehouse: string): Promise<Record<string, string>> {
  return {
    'weir.yaml': await readFile(join(dir, 'weir.yaml'), 'utf8'),
    ...(await codeFiles(dir, warehouse)),
  };
}

/** The code files of projectFiles (without weir.yaml). */
export async function codeFiles(dir: string, warehouse: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (at: string): Promise<void> => {
    for (const e of await readdir(at, { withFileTypes: true })) {
      const full = join(at, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && !SKIP_DIRS.has(e.name) && full !== warehouse) await walk(full);
      } else if (e.isFile() && CODE_FILES.test(e.name)) {
        files[relative(dir, full).split('\\').join('/')] = await readFile(full, 'utf8');
      }
    }
  };
  await walk(dir);
  return files;
}

/** SHA-256 of the files (path and text, sorted by path): equal for equal contents. */
export function filesHash(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const path of Object.keys(files).sort()) h.update(`${path}\0${files[path]}\0`);
  return h.digest('hex');
}

/** The version label of a project that names none: the start of filesHash, so a UDF-only change is a new version too. */
export function versionLabel(files: Record<string, string>): string {
  return versionLabelOf(filesHash(files));
}

/** The version label of files whose filesHash is `sha256` (a config center keeps the hash). */
export function versionLabelOf(sha256: string): string {
  return sha256.slice(0, 12);
}
