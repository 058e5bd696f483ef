// Publishing to the config center: a version is built with the same code as `weir validate` (in a
// scratch folder holding its files) and refused with every problem and its config path; a rollback
// publishes an old version's files again as the next version.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { loadProjectFromText } from '../../config/load.ts';
import type { Problem } from '../../config/problems.ts';
import { versionLabel } from '../../config/project-files.ts';
import { serializer } from '../../core/serial.ts';
import { rawRecordsOf } from '../../runtime/lines.ts';
import { type PreviewReport, previewProject } from '../../runtime/preview.ts';
import { avroChanges, warehouseChanges } from './schema-changes.ts';
import type { ConfigStore, ProjectVersion, VersionMeta } from './store.ts';

export const CONFIG_FILE = 'weir.yaml';
const MAX_FILES = 500;
// Under the server's 2 MiB body limit, with room for JSON escapes.
const MAX_BYTES = 1_500_000;
const PROJECT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** Problems of a project name or of the files' paths and sizes (before anything is built). */
export function shapeProblems(project: string, files: unknown): Problem[] {
  const problems: Problem[] = [];
  if (!PROJECT_NAME.test(project)) {
    problems.push({ path: 'project', message: `"${project}": use letters, digits, _ and - (up to 64)` });
  }
  if (files === null || typeof files !== 'object' || Array.isArray(files)) {
    return [...problems, { path: 'files', message: 'must be an object of path → file text' }];
  }
  const entries = Object.entries(files as Record<string, unknown>);
  if (!entries.some(([p]) => p === CONFIG_FILE))
    problems.push({ path: 'files', message: `needs ${CONFIG_FILE}` });
  if (entries.length > MAX_FILES) problems.push({ path: 'files', message: `more than ${MAX_FILES} files` });
  let bytes = 0;
  for (const [path, text] of entries) {
    const parts = path.split('/');
    if (
      path.startsWith('/') ||
      path.includes('\\') ||
      path.includes('\0') ||
      parts.some((p) => p === '' || p === '.' || p === '..')
    ) {
      problems.push({
        path: `files.${path}`,
        message: 'must be a relative path inside the project (a/b.py)',
      });
    }
    if (typeof text !== 'string') problems.push({ path: `files.${path}`, message: 'must be the file text' });
    else bytes += Buffer.byteLength(text);
  }
  if (bytes > MAX_BYTES) problems.push({ path: 'files', message: `more than ${MAX_BYTES} bytes in all` });
  return problems;
}

// One validation at a time: checking Python UDFs starts and stops this process's interpreter.
const oneAtATime = serializer();

/** What `weir validate` says of these files, as if they were a project folder. */
export function versionProblems(files: Record<string, string>): Promise<Problem[]> {
  return oneAtATime(() => validateFiles(files));
}

/** Runs `use` on the files as a project folder (a scratch one, removed after). */
async function inFolder<T>(files: Record<string, string>, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-center-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function validateFiles(files: Record<string, string>): Promise<Problem[]> {
  return inFolder(files, async (dir) => {
    const loaded = await loadProjectFromText(files[CONFIG_FILE]!, dir, {
      deep: true,
      version: versionLabel(files),
    });
    return loaded.ok ? [] : loaded.problems;
  });
}

export type PreviewResult = { ok: true; report: PreviewReport } | { ok: false; problems: Problem[] };

/**
 * `weir preview` of a version (stored, or candidate files not yet published) on sample lines: the
 * rows and error records per table, as JSON. Nothing is written anywhere.
 */
export function previewVersion(
  files: Record<string, string>,
  lines: string[],
  table?: string,
): Promise<PreviewResult> {
  return oneAtATime(() =>
    inFolder(files, async (dir) => {
      const loaded = await loadProjectFromText(files[CONFIG_FILE]!, dir, { version: versionLabel(files) });
      if (!loaded.ok) return { ok: false, problems: loaded.problems };
      const bytes = new TextEncoder().encode(lines.map((l) => `${l}\n`).join(''));
      try {
        return {
          ok: true,
          report: await previewProject(loaded.project, rawRecordsOf(bytes, 'preview'), table),
        };
      } catch (e) {
        // A pipeline that does not compile (e.g. a UDF that fails to load): its message names the path.
        return { ok: false, problems: [{ path: '', message: (e as Error).message }] };
      } finally {
        const { stopIdlePythonHosts } = await import('../../udf/python.ts');
        await stopIdlePythonHosts();
      }
    }),
  );
}

export type PublishResult =
  | { ok: true; version: VersionMeta }
  | { ok: false; problems: Problem[]; incompatible?: true };

/**
 * What `files` would change in what the sinks of the project's latest version already hold
 * (schema-changes.ts); empty for a first version.
 */
export function schemaChanges(
  store: ConfigStore,
  project: string,
  files: Record<string, string>,
): Promise<Problem[]> {
  const latest = store.get(project, 'latest');
  const load = (f: Record<string, string>) =>
    inFolder(f, async (dir) => {
      const loaded = await loadProjectFromText(f[CONFIG_FILE]!, dir, { version: versionLabel(f) });
      return loaded.ok ? loaded.project : undefined;
    });
  return oneAtATime(async () => {
    const after = await load(files);
    if (!after) return [];
    const before = latest ? await load(latest.files) : undefined;
    return [...(before ? warehouseChanges(before, after) : []), ...(await avroChanges(after))];
  });
}

export async function publish(
  store: ConfigStore,
  project: string,
  files: unknown,
  by: { author: string; message: string },
  opts: { allowIncompatible?: boolean } = {},
): Promise<PublishResult> {
  const shape = shapeProblems(project, files);
  if (shape.length > 0) return { ok: false, problems: shape };
  const checked = files as Record<string, string>;
  const problems = await versionProblems(checked);
  if (problems.length > 0) return { ok: false, problems };
  const incompatible = await schemaChanges(store, project, checked);
  if (incompatible.length > 0 && !opts.allowIncompatible)
    return { ok: false, problems: incompatible, incompatible: true };
  return { ok: true, version: store.add(project, checked, by, incompatible) };
}

/**
 * Publishes version `to`'s files again as the next version; undefined when there is no such
 * version. A rollback is never refused for its schema changes (it undoes a version, often in a
 * hurry), but they are recorded with it like an --allow-incompatible publish.
 */
export async function rollback(
  store: ConfigStore,
  project: string,
  to: number,
  by: { author: string; message?: string },
): Promise<VersionMeta | undefined> {
  const old = store.get(project, to);
  if (!old) return undefined;
  const incompatible = await schemaChanges(store, project, old.files);
  return store.add(
    project,
    old.files,
    { author: by.author, message: by.message ?? `roll back to version ${to}` },
    incompatible,
  );
}

/** A unified diff of every file that differs between two versions (a/ is `from`, b/ is `to`). */
export function diffVersions(from: ProjectVersion, to: ProjectVersion): string {
  const paths = [...new Set([...Object.keys(from.files), ...Object.keys(to.files)])].sort();
  return paths
    .filter((p) => from.files[p] !== to.files[p])
    .map((p) =>
      createTwoFilesPatch(
        from.files[p] === undefined ? '/dev/null' : `a/${p}`,
        to.files[p] === undefined ? '/dev/null' : `b/${p}`,
        from.files[p] ?? '',
        to.files[p] ?? '',
        `version ${from.version}`,
        `version ${to.version}`,
      ),
    )
    .join('');
}
