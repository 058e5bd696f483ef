// `weir backfill`: a table's partitions rebuilt from raw input with the current config, then
// swapped in. The input is loaded by a normal run (run.ts, exactly once, resumable) of a copy of
// the project whose warehouse is a staging folder (<warehouse>/_weir/backfills/<id>); then each
// partition's location in the catalog is pointed at its staging copy, one catalog entry per
// partition, so a reader sees the old rows or the new, never a mix. `--finalize` copies the
// staged files home and points the partition back; `--rollback` points it at the data it had.
// A backfill's state file (<id>.json beside the staging folders) says how far it got.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Project } from '../config/project.ts';
import { hiveTarget } from '../config/resolve.ts';
import { resolveFiles } from '../connectors/files/source.ts';
import { writeFileAtomic } from '../core/fs.ts';
import { type Catalog, partitionDir } from '../sinks/recovery.ts';
import { type RunSummary, runProject } from './run.ts';

export type BackfillStep = 'loading' | 'swapped' | 'finalized' | 'rolled-back';

export interface BackfillState {
  format: 1;
  id: string;
  table: string;
  sink: string;
  database: string;
  /** The catalog's table name. */
  catalogTable: string;
  column: string;
  /** The partitions' values of `column`. */
  values: string[];
  /** Files (globs relative to the project), or `kafka`: the table's own topic, from `since` on. */
  input: string[];
  /** Kafka input: the first message time to read (ISO); earliest when absent. */
  since?: string;
  staging: string;
  created: string;
  step: BackfillStep;
  /** Each partition's location before the swap (where --rollback points it again). */
  before?: { value: string; location: string }[];
}

export class BackfillError extends Error {}

const backfillsDir = (project: Project) => join(project.warehouse, '_weir', 'backfills');

/** `dt=2026-11-25..2026-11-27` (days), `dt=a,b` or `dt=a`: the column and its values. */
export function parsePartitions(spec: string): { column: string; values: string[] } {
  const m = /^([A-Za-z_]\w*)=(.+)$/.exec(spec);
  if (!m)
    throw new BackfillError(
      `--partitions: write column=value, column=a,b or dt=2026-11-25..2026-11-27, got "${spec}"`,
    );
  const [, column, rest] = m;
  const range = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(rest!);
  if (!range) return { column: column!, values: rest!.split(',') };
  const values: string[] = [];
  const end = Date.parse(`${range[2]}T00:00:00Z`);
  for (let t = Date.parse(`${range[1]}T00:00:00Z`); t <= end; t += 86_400_000)
    values.push(new Date(t).toISOString().slice(0, 10));
  if (values.length === 0 || values.length > 1000)
    throw new BackfillError(`--partitions: ${range[1]}..${range[2]} must run forward, at most 1000 days`);
  return { column: column!, values };
}

async function save(project: Project, state: BackfillState): Promise<void> {
  await mkdir(backfillsDir(project), { recursive: true });
  await writeFileAtomic(join(backfillsDir(project), `${state.id}.json`), JSON.stringify(state, null, 2));
}

export async function listBackfills(project: Project): Promise<BackfillState[]> {
  const names = (await readdir(backfillsDir(project)).catch(() => [] as string[])).filter((n) =>
    n.endsWith('.json'),
  );
  const out: BackfillState[] = [];
  for (const n of names.sort()) out.push(JSON.parse(await readFile(join(backfillsDir(project), n), 'utf8')));
  return out;
}

export async function getBackfill(project: Project, id: string): Promise<BackfillState> {
  const found = (await listBackfills(project)).find((b) => b.id === id);
  if (!found) throw new BackfillError(`no backfill "${id}" (weir backfill <dir> --list shows them)`);
  return found;
}

export const isKafkaInput = (input: string[]) => input.length === 1 && input[0] === 'kafka';

/**
 * Files as a bounded files source; `kafka` as the table's own topic read by a consumer group of
 * the backfill's own (so the live job's offsets are untouched), from `since` to the end it has.
 */
function backfillSource(project: Project, state: BackfillState): Project['config']['sources'][string] {
  const own = project.config.sources[project.tables.find((t) => t.name === state.table)!.config.source]!;
  if (!isKafkaInput(state.input))
    return { files: { path: state.input, follow: false }, max_record_bytes: own.max_record_bytes };
  return {
    kafka: {
      ...own.kafka!,
      group: `${own.kafka!.group}.backfill-${state.id}`,
      start: state.since === undefined ? 'earliest' : { timestamp: state.since },
      separate_realtime: false,
    },
    max_record_bytes: own.max_record_bytes,
  };
}

/** The project as the backfill's load runs it: the table alone, read from `input`, into staging. */
function stagingProject(project: Project, state: BackfillState): Project {
  const table = project.tables.find((t) => t.name === state.table)!;
  const sink = project.sinks.find((s) => s.name === state.sink)!;
  const { location: _, ...hive } = sink.config.hive!;
  return {
    ...project,
    warehouse: state.staging,
    config: {
      ...project.config,
      warehouse: state.staging,
      checkpoint: { ...project.config.checkpoint, dir: undefined },
      errors: { ...project.config.errors, location: undefined },
      sources: { backfill: backfillSource(project, state) },
    } as Project['config'],
    tables: [{ ...table, config: { ...table.config, source: 'backfill' } }],
    sinks: [
      {
        ...sink,
        config: { ...sink.config, hive: { ...hive, table: state.catalogTable, database: state.database } },
      },
    ],
  };
}

/** Where a partition's rebuilt copy sits in the backfill's staging folder. */
export function stagedLocation(state: BackfillState, value: string): string {
  return join(
    state.staging,
    `${state.database}.db`,
    state.catalogTable,
    partitionDir([state.column], [value]),
  );
}

/**
 * Starts a backfill (or resumes the unfinished one of the same table, partitions and input):
 * loads the input into staging, then swaps every partition's location.
 */
export async function backfill(
  project: Project,
  catalog: Catalog,
  opts: {
    table: string;
    partitions: string;
    input: string[];
    since?: string;
    /** Bytes of the input read so far, of `total`. */
    onProgress?: (read: number, total: number) => void;
    signal?: AbortSignal;
  },
): Promise<{ state: BackfillState; load: RunSummary }> {
  const table = project.tables.find((t) => t.name === opts.table);
  if (!table) throw new BackfillError(`the config has no table "${opts.table}"`);
  const hives = project.sinks.filter((s) => s.config.table === table.name && s.config.hive);
  if (hives.length !== 1)
    throw new BackfillError(
      `table ${table.name} has ${hives.length} warehouse sinks; a backfill rebuilds a table with exactly one`,
    );
  const sink = hives[0]!;
  const hive = sink.config.hive!;
  const { column, values } = parsePartitions(opts.partitions);
  if (hive.partitioned_by.length !== 1 || hive.partitioned_by[0] !== column)
    throw new BackfillError(
      `sink ${sink.name} is partitioned by [${hive.partitioned_by.join(', ')}]; a backfill swaps partitions of one column, and --partitions names ${column}`,
    );
  const target = hiveTarget(project, sink.name, hive);
  if (isKafkaInput(opts.input) && !project.config.sources[table.config.source]?.kafka)
    throw new BackfillError(
      `--input kafka reads the table's own topic, but source ${table.config.source} is not a Kafka source`,
    );
  if (opts.since !== undefined && Number.isNaN(Date.parse(opts.since)))
    throw new BackfillError(`--since must be a time like 2026-11-25T00:00:00Z, got "${opts.since}"`);
  const same = (b: BackfillState) =>
    b.step === 'loading' &&
    b.table === table.name &&
    b.column === column &&
    b.values.join() === values.join() &&
    b.input.join() === opts.input.join() &&
    b.since === opts.since;
  let state = (await listBackfills(project)).find(same);
  if (!state) {
    const id = `${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;
    state = {
      format: 1,
      id,
      table: table.name,
      sink: sink.name,
      database: target.database,
      catalogTable: target.table,
      column,
      values,
      input: opts.input,
      ...(opts.since === undefined ? {} : { since: opts.since }),
      staging: join(backfillsDir(project), id),
      created: new Date().toISOString(),
      step: 'loading',
    };
    await save(project, state);
  }
  // Progress in bytes of the input, summed over the load's workers.
  let total = 0;
  if (!isKafkaInput(state.input))
    for (const f of await resolveFiles(project.dir, state.input)) total += (await stat(f)).size;
  const read = new Map<number, number>();
  const load = await runProject(stagingProject(project, state), {
    // Kafka: up to the end offsets seen at the start, as one group member whose manifest a rerun resumes.
    ...(isKafkaInput(state.input) ? { untilEnd: true, workerId: 1 } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (_source: string, p: { worker: number; bytesRead: number }) => {
      read.set(p.worker, p.bytesRead);
      opts.onProgress?.(
        [...read.values()].reduce((a, b) => a + b, 0),
        total,
      );
    },
    log: () => {},
  });
  if (opts.signal?.aborted) return { state, load };
  // The swap: where each partition points now is kept first, so a rollback can point it back. A
  // rerun after a crash mid-swap keeps what was kept: some partitions point at staging already.
  if (!state.before) {
    const current = await catalog.getTable(target.database, target.table);
    state.before = values.map((value) => ({
      value,
      location:
        current?.partitions.find((p) => p.values[column] === value)?.location ??
        join(target.location, partitionDir([column], [value])),
    }));
    await save(project, state);
  }
  for (const value of values) {
    const location = stagedLocation(state, value);
    await mkdir(location, { recursive: true }); // no rows for it: the partition becomes empty
    await catalog.setPartitionLocation(target.database, target.table, { [column]: value }, location);
  }
  state.step = 'swapped';
  await save(project, state);
  return { state, load };
}

/** A partition's home folder: where the live job writes it and where --finalize puts it back. */
function homeOf(project: Project, state: BackfillState, value: string): string {
  const sink = project.sinks.find((s) => s.name === state.sink)!;
  return join(
    hiveTarget(project, sink.name, sink.config.hive!).location,
    partitionDir([state.column], [value]),
  );
}

/**
 * Makes `dir`'s data files those of `from`: its other files move to `aside`, then `from`'s are
 * copied in whole (temp name, then rename). A rerun after a crash finds some done: each happens once.
 */
async function replaceFiles(dir: string, from: string, aside: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await mkdir(aside, { recursive: true });
  const wanted = new Set((await readdir(from)).filter((n) => n.startsWith('part-')));
  for (const name of await readdir(dir))
    if (name.startsWith('part-') && !wanted.has(name)) await rename(join(dir, name), join(aside, name));
  for (const name of wanted) {
    await copyFile(join(from, name), join(dir, `.${name}.copying`));
    await rename(join(dir, `.${name}.copying`), join(dir, name));
  }
}

/**
 * Points every partition of a swapped backfill back at the data it had before. A finalized one
 * gets its old files back home: readers are pointed at the kept copy first, the files are moved
 * back, then the partition points home again, so a later --purge removes nothing in use.
 */
export async function rollbackBackfill(
  project: Project,
  catalog: Catalog,
  id: string,
): Promise<BackfillState> {
  const state = await getBackfill(project, id);
  if (state.step !== 'swapped' && state.step !== 'finalized')
    throw new BackfillError(
      `backfill ${id} is ${state.step}: only a swapped or finalized one can be rolled back`,
    );
  const at = (value: string, location: string) =>
    catalog.setPartitionLocation(state.database, state.catalogTable, { [state.column]: value }, location);
  for (const b of state.before ?? []) {
    if (state.step === 'swapped') {
      await at(b.value, b.location);
      continue;
    }
    const dir = partitionDir([state.column], [b.value]);
    const kept = join(state.staging, '_before', dir);
    const homeDir = homeOf(project, state, b.value);
    await at(b.value, kept);
    await replaceFiles(homeDir, kept, join(state.staging, '_after', dir));
    await at(b.value, homeDir);
  }
  state.step = 'rolled-back';
  await save(project, state);
  return state;
}

/**
 * Moves a swapped backfill's data home: per partition, the old files go to <staging>/_before
 * (kept for --rollback until --purge), the staged files are copied into the partition's home
 * folder, and the partition points home again. Readers read the staged copy until that last step.
 */
export async function finalizeBackfill(
  project: Project,
  catalog: Catalog,
  id: string,
): Promise<BackfillState> {
  const state = await getBackfill(project, id);
  if (state.step !== 'swapped')
    throw new BackfillError(`backfill ${id} is ${state.step}: only a swapped one can be finalized`);
  for (const b of state.before ?? []) {
    const homeDir = homeOf(project, state, b.value);
    const kept = join(state.staging, '_before', partitionDir([state.column], [b.value]));
    await replaceFiles(homeDir, stagedLocation(state, b.value), kept);
    await catalog.setPartitionLocation(
      state.database,
      state.catalogTable,
      { [state.column]: b.value },
      homeDir,
    );
  }
  state.step = 'finalized';
  await save(project, state);
  return state;
}

/** Removes a finished backfill's staging folder (its staged copy and the data it replaced). */
export async function purgeBackfill(project: Project, id: string): Promise<BackfillState> {
  const state = await getBackfill(project, id);
  if (state.step === 'swapped' || state.step === 'loading')
    throw new BackfillError(
      `backfill ${id} is ${state.step}: finalize or roll it back first (readers may use its files)`,
    );
  await rm(state.staging, { recursive: true, force: true });
  return state;
}
