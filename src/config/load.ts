// Loading a project folder: read weir.yaml, parse the YAML, check its shape (zod), resolve it
// (types, paths, version) and run the cross-reference checks. Problems are collected, never thrown.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { Project as ProjectSchema } from './model.ts';
import { formatPath, type Problem, zodProblems } from './problems.ts';
import type { Project } from './project.ts';
import { codeFiles, versionLabel } from './project-files.ts';
import { resolveColumn, resolveProject } from './resolve.ts';
import { validateProject } from './validate.ts';

export type { Problem } from './problems.ts';

export type LoadResult = { ok: true; project: Project } | { ok: false; problems: Problem[] };

export interface LoadOptions {
  /**
   * Also load each Python UDF, so that an import the interpreter cannot satisfy is a problem
   * (`weir validate`; starting the interpreter takes a second or more, so other commands skip it).
   */
  deep?: boolean;
  /** The version label when weir.yaml names none (default: versionLabel of weir.yaml alone). */
  version?: string;
}

export const CONFIG_FILE = 'weir.yaml';

/** Loads and checks `<dir>/weir.yaml`. */
export async function loadProject(dir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const abs = resolve(dir);
  const info = await stat(abs).catch(() => undefined);
  if (!info) return fail('', `project folder ${abs} not found`);
  if (!info.isDirectory())
    return fail('', `${abs} is not a folder (a project is a folder holding ${CONFIG_FILE})`);
  let text: string;
  try {
    text = await readFile(join(abs, CONFIG_FILE), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail('', `no ${CONFIG_FILE} in ${abs}`);
    return fail(CONFIG_FILE, `cannot read: ${(err as Error).message}`);
  }
  const loaded = await loadProjectFromText(text, abs, opts);
  // The label covers the code files too: a UDF-only change is a new version.
  if (loaded.ok && loaded.project.config.version === undefined && opts.version === undefined) {
    const code = await codeFiles(abs, loaded.project.warehouse).catch(() => ({}));
    loaded.project.version = versionLabel({ [CONFIG_FILE]: text, ...code });
  }
  return loaded;
}

/** Checks weir.yaml text as if it were in `dir` (UDF paths and the warehouse resolve against `dir`). */
export async function loadProjectFromText(
  text: string,
  dir: string,
  opts: LoadOptions = {},
): Promise<LoadResult> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return { path: `${CONFIG_FILE}:${pos.line}:${pos.col}`, message: yamlMessage(e.message) };
      }),
    };
  }
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // e.g. an alias bomb (`&a [*b, *b, ...]` nested): yaml refuses to expand it
    return fail(CONFIG_FILE, (err as Error).message);
  }
  if (input === null || input === undefined)
    return fail(CONFIG_FILE, 'is empty; it needs sources and tables');
  if (typeof input !== 'object' || Array.isArray(input)) {
    return fail(CONFIG_FILE, 'must be a mapping (key: value) with sources and tables');
  }
  const reserved = reservedKeys(input, []);
  if (reserved.length > 0) return { ok: false, problems: reserved };
  const parsed = ProjectSchema.safeParse(input);
  if (!parsed.success) {
    const problems = zodProblems(parsed.error.issues, input, ProjectSchema);
    return { ok: false, problems: [...problems, ...rawTypeProblems(input, problems)] };
  }
  const problems: Problem[] = [];
  const project = resolveProject(parsed.data, text, dir, problems, opts.version);
  await validateProject(project, problems, opts);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, project };
}

// With shape errors the project cannot be resolved, but column types can still be checked, so
// one run reports those too.
function rawTypeProblems(input: object, already: Problem[]): Problem[] {
  const out: Problem[] = [];
  const tables = (input as { tables?: unknown }).tables;
  if (!isMapping(tables)) return out;
  for (const [table, cfg] of Object.entries(tables)) {
    const schema = isMapping(cfg) ? cfg.schema : undefined;
    if (!isMapping(schema)) continue;
    for (const [column, spec] of Object.entries(schema)) {
      const type = typeof spec === 'string' ? spec : isMapping(spec) ? spec.type : undefined;
      if (typeof type !== 'string') continue;
      const found: Problem[] = [];
      resolveColumn(column, { type, on_error: 'error' }, ['tables', table, 'schema', column], found);
      out.push(...found.filter((p) => p.path.endsWith('.type') && !already.some((a) => a.path === p.path)));
    }
  }
  return out;
}

/** `__proto__` as a key would be dropped silently by the schema check (it guards against prototype pollution). */
function reservedKeys(v: unknown, path: string[]): Problem[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => reservedKeys(x, [...path, String(i)]));
  if (!isMapping(v)) return [];
  return Object.keys(v).flatMap((k) =>
    k === '__proto__'
      ? [
          {
            path: formatPath([...path, k]),
            message:
              '"__proto__" cannot be a name in weir.yaml (JavaScript reserves it); for a column, give it ' +
              'another name and read the field with from: __proto__',
          },
        ]
      : reservedKeys(v[k], [...path, k]),
  );
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, message: string): LoadResult {
  return { ok: false, problems: [{ path, message }] };
}

// yaml's messages end with ` at line 3, column 5` (the path already says where) and, in pretty
// mode, a code excerpt; keep the sentence.
function yamlMessage(message: string): string {
  return message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
}
