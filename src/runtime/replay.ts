// `weir replay`: error records run again through the current config. A replay freezes the error
// records it takes in a ledger (<checkpoints>/_replays/<id>.json, written whole before anything
// else), then runs one job per table over the ledger's raw records with the normal checkpoint
// protocol (job.ts): its manifests (job `_replay-<id>-<table>`) record how far it got, recovery
// commits what a crash left, and a rerun resumes the ledger from there. An error record taken by
// any ledger is never taken again, so replaying twice adds nothing. Rows that now pass load into
// the table's sinks; records that still fail become new error records (current version, the
// original position), which a later replay may take.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Project } from '../config/project.ts';
import { writeFileAtomic } from '../core/fs.ts';
import type { RawRecord } from '../core/record.ts';
import { type Counters, sumCounters } from '../metrics/counters.ts';
import type { Catalog } from '../sinks/recovery.ts';
import { registerPartitions } from '../sinks/recovery.ts';
import { errorStoreFiles, errorStoreLocation } from '../sinks/registry.ts';
import { type PartitionRef, readManifests } from './checkpoint.ts';
import type { InputBatch, SourceInput } from './input.ts';
import { runWorker } from './job.ts';
import { markLive } from './live.ts';
import { type JobPlan, planJobs } from './plan.ts';

/** One committed error record, as the error store holds it. */
export interface StoredError {
  /** Stable identity of this error record (not of its raw input: one input may fail again). */
  key: string;
  time: string;
  dt: string;
  code: string;
  table: string | null;
  stage: string;
  message: string;
  configVersion: string;
  split: string;
  offset: number;
  line: number | null;
  /** The raw record, base64. */
  raw: string;
}

export interface ReplaySelection {
  table?: string;
  day?: string;
  code?: string;
  /** ISO times: error records from `since` (inclusive) to `until` (exclusive). */
  since?: string;
  until?: string;
}

interface Ledger {
  format: 1;
  id: string;
  created: string;
  /** The config version the replay runs the records through. */
  configVersion: string;
  selection: ReplaySelection;
  records: StoredError[];
}

export const REPLAY_JOB_PREFIX = '_replay-';

/** Records per batch; test hook WEIR_TEST_REPLAY_BATCH=<n> makes batches (and checkpoints) small. */
const BATCH = Number(process.env.WEIR_TEST_REPLAY_BATCH) || 2048;

const ledgerDir = (root: string) => join(root, '_replays');

/** Every committed error record of the project's error store (in-progress files are not read). */
export async function readErrorStore(project: Project): Promise<StoredError[]> {
  const location = errorStoreLocation(project.warehouse, project.config.errors.location);
  const out: StoredError[] = [];
  for (const { path, partition } of await errorStoreFiles(location)) {
    const text = await readFile(path, 'utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const r = JSON.parse(line) as Record<string, unknown>;
      const entry = {
        time: String(r.time),
        dt: partition.values.dt,
        code: partition.values.code,
        table: (r.table as string | null) ?? null,
        stage: String(r.stage ?? ''),
        message: String(r.message ?? ''),
        configVersion: String(r.config_version ?? ''),
        split: String(r.split ?? ''),
        offset: Number(r.offset),
        line: r.line === null || r.line === undefined ? null : Number(r.line),
        raw: String(r.raw_base64 ?? ''),
      };
      const key = createHash('sha256')
        .update(
          JSON.stringify([
            entry.time,
            entry.dt,
            entry.code,
            entry.table,
            entry.split,
            entry.offset,
            entry.configVersion,
            entry.message,
          ]),
        )
        .digest('hex')
        .slice(0, 32);
      out.push({ key, ...entry });
    }
  }
  return out.sort(
    (a, b) => a.time.localeCompare(b.time) || a.split.localeCompare(b.split) || a.offset - b.offset,
  );
}

async function readLedgers(root: string): Promise<Ledger[]> {
  const names = (await readdir(ledgerDir(root)).catch(() => [] as string[])).filter((n) =>
    n.endsWith('.json'),
  );
  const ledgers: Ledger[] = [];
  for (const name of names.sort())
    ledgers.push(JSON.parse(await readFile(join(ledgerDir(root), name), 'utf8')));
  return ledgers;
}

function matches(e: StoredError, s: ReplaySelection): boolean {
  const at = new Date(e.time).getTime();
  return (
    (s.table === undefined || e.table === s.table) &&
    (s.day === undefined || e.dt === s.day) &&
    (s.code === undefined || e.code === s.code) &&
    (s.since === undefined || at >= new Date(s.since).getTime()) &&
    (s.until === undefined || at < new Date(s.until).getTime())
  );
}

/** The project as one table's replay job sees it: only that table and its sinks. */
function tableProject(project: Project, table: string): Project {
  return {
    ...project,
    tables: project.tables.filter((t) => t.name === table),
    sinks: project.sinks.filter((s) => s.config.table === table),
  };
}

/** The raw input of a stored error record, at its original position. */
export function rawRecord(e: StoredError): RawRecord {
  const bytes = new Uint8Array(Buffer.from(e.raw, 'base64'));
  return {
    bytes,
    text: new TextDecoder().decode(bytes),
    position: { split: e.split, offset: e.offset, ...(e.line === null ? {} : { line: e.line }) },
  };
}

/** The ledger's records of one table, from `start` on; its position is how many were read. */
function replayInput(records: StoredError[], start: number): SourceInput {
  let next = start;
  return {
    async read(max: number): Promise<InputBatch> {
      const batch = records.slice(next, next + max).map(rawRecord);
      next += batch.length;
      return {
        records: batch,
        errors: [],
        read: batch.length,
        bytes: batch.reduce((n, r) => n + r.bytes.length, 0),
      };
    },
    ended: () => next >= records.length,
    idle: async () => {},
    positions: () => ({ replay: { offset: next, line: next } }),
    acknowledge: async () => {},
    close: async () => {},
  };
}

export interface ReplayGroup {
  table: string;
  records: number;
}

export interface ReplaySummary {
  /** The ledger run (resumed or new); undefined when there was nothing to replay. */
  id?: string;
  groups: ReplayGroup[];
  /** Error records left alone: without a table (failed before routing) or of a table the config no longer has. */
  skipped: { reason: string; records: number }[];
  /** Counters of this run's replay jobs. */
  counters: Counters;
}

/** What a new replay would take now: the matching error records no ledger has taken. */
export async function selectForReplay(
  project: Project,
  root: string,
  selection: ReplaySelection,
): Promise<{ take: StoredError[]; skipped: { reason: string; records: number }[] }> {
  const taken = new Set((await readLedgers(root)).flatMap((l) => l.records.map((r) => r.key)));
  const tables = new Set(project.tables.map((t) => t.name));
  const take: StoredError[] = [];
  let noTable = 0;
  let gone = 0;
  let same = 0;
  for (const e of await readErrorStore(project)) {
    if (taken.has(e.key) || !matches(e, selection)) continue;
    // It would fail the same way again: the config that failed it is the one that runs.
    if (e.configVersion === project.version) same++;
    else if (e.table === null) noTable++;
    else if (!tables.has(e.table)) gone++;
    else take.push(e);
  }
  const skipped = [];
  if (noTable > 0)
    skipped.push({ reason: 'failed before routing to a table (not replayed)', records: noTable });
  if (gone > 0) skipped.push({ reason: 'of a table the config no longer has', records: gone });
  if (same > 0)
    skipped.push({
      reason: `failed under the current version ${project.version} (fix the config first)`,
      records: same,
    });
  return { take, skipped };
}

const byTable = (records: StoredError[]) => {
  const groups = new Map<string, StoredError[]>();
  for (const r of records) {
    const group = groups.get(r.table!);
    if (group) group.push(r);
    else groups.set(r.table!, [r]);
  }
  return groups;
};

export interface ReplayOptions {
  log: (line: string) => void;
  /** Records of the table being replayed read so far, of its ledger's. */
  onProgress?: (read: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Finishes every unfinished ledger, then replays the matching error records no ledger has taken.
 * The caller holds the project's replay lock and has run recovery (run.ts recover).
 */
export async function runReplay(
  project: Project,
  catalog: Catalog,
  root: string,
  selection: ReplaySelection,
  opts: ReplayOptions,
): Promise<ReplaySummary> {
  // Marked live like a `weir run`: another process's recovery leaves this one's in-progress files alone.
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const unmark = await markLive(root, runId);
  try {
    return await replayLedgers(project, catalog, root, selection, opts, runId);
  } finally {
    await unmark();
  }
}

async function replayLedgers(
  project: Project,
  catalog: Catalog,
  root: string,
  selection: ReplaySelection,
  opts: ReplayOptions,
  runId: string,
): Promise<ReplaySummary> {
  const summary: ReplaySummary = { groups: [], skipped: [], counters: sumCounters([]) };
  const all: Counters[] = [];
  const runLedger = async (ledger: Ledger) => {
    let group = 0;
    for (const [table, records] of byTable(ledger.records)) {
      group++;
      const name = `${REPLAY_JOB_PREFIX}${ledger.id}-${table}`;
      const previous = (await readManifests(root, name)).find((m) => m.worker === 0);
      const start = previous?.positions.replay?.offset ?? 0;
      summary.groups.push({ table, records: records.length - start });
      if (start >= records.length) continue;
      if (!project.tables.some((t) => t.name === table)) {
        opts.log(
          `weir replay: table ${table} is no longer in the config; its ${records.length - start} records wait`,
        );
        continue;
      }
      const scoped = tableProject(project, table);
      const planned = planJobs(scoped).find((j) => j.sinks.length > 0 || j.errors)!;
      const job: JobPlan = {
        ...planned,
        name,
        // No source offsets to commit with a transaction: Kafka sinks get rows at least once.
        delivery: planned.delivery === 'none' ? 'none' : 'at-least-once',
      };
      let queue: Promise<unknown> = Promise.resolve();
      all.push(
        await runWorker({
          project: scoped,
          source: job.source,
          job,
          worker: 0,
          workers: 1,
          // Tables of one ledger share the error store: each writes its own file names.
          runId: `${runId}${ledger.id}g${group}`,
          follow: false,
          batchSize: BATCH,
          checkpointDir: root,
          positions: new Map(),
          ...(previous ? { previous } : {}),
          input: replayInput(records, start),
          catalog: {
            addPartitions(partitions: PartitionRef[]) {
              const next = queue.then(() => registerPartitions(catalog, partitions));
              queue = next.catch(() => {});
              return next;
            },
          },
          log: opts.log,
          ...(opts.signal ? { signal: opts.signal } : {}),
          onProgress: (p) => opts.onProgress?.(start + p.recordsRead, records.length),
        }),
      );
    }
  };
  for (const ledger of await readLedgers(root)) {
    const unfinished = await Promise.all(
      [...byTable(ledger.records)].map(async ([table, records]) => {
        const m = (await readManifests(root, `${REPLAY_JOB_PREFIX}${ledger.id}-${table}`))[0];
        return (m?.positions.replay?.offset ?? 0) < records.length;
      }),
    );
    if (unfinished.some(Boolean)) {
      opts.log(`weir replay: finishing replay ${ledger.id}, which did not end`);
      summary.id = ledger.id;
      await runLedger(ledger);
    }
  }
  const { take, skipped } = await selectForReplay(project, root, selection);
  summary.skipped = skipped;
  if (take.length > 0) {
    const ledger: Ledger = {
      format: 1,
      id: `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`,
      created: new Date().toISOString(),
      configVersion: project.version,
      selection,
      records: take,
    };
    await mkdir(ledgerDir(root), { recursive: true });
    await writeFileAtomic(join(ledgerDir(root), `${ledger.id}.json`), JSON.stringify(ledger));
    summary.id = ledger.id;
    await runLedger(ledger);
  }
  summary.counters = sumCounters(all);
  return summary;
}

/** Manifests of every replay job (for recovery and status). */
export async function replayJobNames(root: string): Promise<string[]> {
  return (await readdir(root).catch(() => [] as string[])).filter((n) => n.startsWith(REPLAY_JOB_PREFIX));
}
