// Runs a project: one job per source (two for a Kafka source with separate_realtime); a file job's
// splits are spread over worker threads, every worker running all tables of the source over its
// share of one read. A Kafka job's workers are members of one consumer group: this process runs
// one (or --workers) of them, other processes of the same project join the same group.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { Project } from '../config/project.ts';
import { listSplits, resolveFiles } from '../connectors/files/source.ts';
import { type Catalog, localCatalog } from '../connectors/warehouse/catalog.ts';
import { commitFiles, deleteOrphans } from '../connectors/warehouse/commit.ts';
import { type Counters, sumCounters } from '../metrics/counters.ts';
import { printType } from '../types/print.ts';
import {
  checkpointDir,
  type Manifest,
  mergePositions,
  type PartitionRef,
  readManifests,
} from './checkpoint.ts';
import { errorStoreLocation } from './errorstore.ts';
import { hiveTargets, type Progress, runWorker, sinkColumns, WorkerSetupError } from './job.ts';
import { acquireRunLock, type RunLock } from './lock.ts';
import { isRealtimeJob, type JobPlan, planJobs } from './plan.ts';
import { assignSplits } from './splits.ts';

export interface RunOptions {
  follow?: boolean;
  /** Worker threads per source (default: the machine's cores, at most one per split). */
  workers?: number;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (source: string, p: Progress) => void;
  /** Kafka: this process's worker id (its manifest's name); default: a random id per process. */
  workerId?: number;
  /** Kafka: stop once every partition reached the end offset it had at start. */
  untilEnd?: boolean;
  /** Plain status lines (e.g. waiting for a Kafka broker); default: stderr. */
  log?: (line: string) => void;
}

/** The share of a realtime job's counters that is its own: its sinks (the tables are counted by the warehouse job). */
export function ownCounters(job: JobPlan, c: Counters): Counters {
  if (!isRealtimeJob(job)) return c;
  const dated: Counters['dated'] = {};
  for (const [day, d] of Object.entries(c.dated)) dated[day] = { tables: {}, sinks: d.sinks, unrouted: 0 };
  return { recordsRead: 0, tables: {}, sinks: c.sinks, unrouted: 0, dated };
}

export interface RunSummary {
  counters: Counters;
  /** Per source: workers used and checkpoints taken. */
  sources: Record<string, { workers: number; splits: number }>;
  seconds: number;
}

export function checkpointRoot(project: Project): string {
  return project.config.checkpoint.dir ?? join(project.warehouse, '_weir', 'checkpoints');
}

/** Registers every hive sink's table in the catalog (idempotent; columns follow the schema). */
async function registerTables(project: Project): Promise<Catalog> {
  const catalog = localCatalog(project.warehouse);
  for (const source of Object.keys(project.config.sources)) {
    for (const t of hiveTargets(project, source)) {
      const sink = project.sinks.find((s) => s.name === t.sink)!.config.hive!;
      const columns = sinkColumns(project, t.sink);
      await catalog.registerTable({
        database: t.database,
        table: t.hiveTable,
        location: t.location,
        format: sink.format,
        columns: columns.map((c) => ({ name: c.name, type: printType(c.type) })),
        partitionedBy: t.partitionedBy,
      });
    }
  }
  return catalog;
}

/**
 * Completes whatever a crash interrupted: every last manifest's files are committed and its partitions
 * registered (both idempotent); in-progress files no manifest names are deleted.
 */
export async function recover(project: Project, catalog: Catalog): Promise<void> {
  const root = checkpointRoot(project);
  const locations = new Set<string>([errorStoreLocation(project.warehouse, project.config.errors.location)]);
  for (const job of planJobs(project)) {
    for (const manifest of await readManifests(root, job.name)) {
      await commitFiles(manifest.pending);
      await registerPartitions(catalog, manifest.partitions);
    }
    for (const t of hiveTargets(project, job.source)) locations.add(t.location);
  }
  // In-progress files of runs still going (another `weir run` of this project) are not orphans.
  const live = await liveRuns(root);
  const spare = (name: string) => live.some((id) => name.startsWith(`.part-${id}`));
  for (const location of locations) await deleteOrphans(location, new Set(), spare);
}

function liveDir(root: string): string {
  return join(root, '_live');
}

/** Run ids of `weir run` processes that are alive (on this host: checked by pid; elsewhere: assumed). */
async function liveRuns(root: string): Promise<string[]> {
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

async function markLive(root: string, runId: string): Promise<() => Promise<void>> {
  await mkdir(liveDir(root), { recursive: true });
  const path = join(liveDir(root), runId);
  await writeFile(path, JSON.stringify({ pid: process.pid, host: hostname() }));
  return () => rm(path, { force: true });
}

/** Adds partitions to the catalog, one call per table. */
export async function registerPartitions(catalog: Catalog, partitions: PartitionRef[]): Promise<void> {
  const byTable = new Map<string, PartitionRef[]>();
  for (const p of partitions) {
    const key = `${p.database}.${p.table}`;
    byTable.set(key, [...(byTable.get(key) ?? []), p]);
  }
  for (const list of byTable.values()) {
    await catalog.addPartitions(
      list[0].database,
      list[0].table,
      list.map((p) => ({ values: p.values, location: p.location })),
    );
  }
}

/** The splits of a files source as listed now; stdin is one split. */
async function splitsOf(project: Project, source: string): Promise<{ id: string; bytes: number }[]> {
  const config = project.config.sources[source];
  if (config.files) {
    const files = await resolveFiles(project.dir, config.files.path);
    return listSplits(files, { ranges: !config.files.follow });
  }
  return [{ id: 'stdin', bytes: 0 }];
}

/**
 * Locks every job of a file source (or stdin) against a second run, before anything is touched.
 * Kafka jobs are not locked: several processes share a topic through the consumer group.
 */
async function lockFileSources(project: Project, root: string): Promise<RunLock[]> {
  const locks: RunLock[] = [];
  try {
    for (const job of planJobs(project)) {
      if (project.config.sources[job.source]?.kafka) continue;
      const what = `source "${job.source}" of project ${project.dir}`;
      locks.push(await acquireRunLock(checkpointDir(root, job.name), what));
    }
  } catch (e) {
    for (const l of locks) await l.release();
    throw e;
  }
  return locks;
}

export async function runProject(project: Project, opts: RunOptions = {}): Promise<RunSummary> {
  const started = Date.now();
  const root = checkpointRoot(project);
  const locks = await lockFileSources(project, root);
  try {
    const catalog = await registerTables(project);
    const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const unmark = await markLive(root, runId);
    try {
      await recover(project, catalog);
      return await runJobs(project, opts, catalog, root, runId, started);
    } finally {
      await unmark();
    }
  } finally {
    for (const l of locks) await l.release();
  }
}

async function runJobs(
  project: Project,
  opts: RunOptions,
  catalog: Catalog,
  root: string,
  runId: string,
  started: number,
): Promise<RunSummary> {
  const summary: RunSummary = { counters: sumCounters([]), sources: {}, seconds: 0 };
  // Catalog updates from every worker go through this one queue, so they never race.
  let queue: Promise<unknown> = Promise.resolve();
  const registrar = {
    addPartitions(partitions: PartitionRef[]): Promise<void> {
      const next = queue.then(() => registerPartitions(catalog, partitions));
      queue = next.catch(() => {});
      return next;
    },
  };
  const kafkaWorkerId = opts.workerId ?? randomInt(1, 2 ** 31 - 1);

  const jobs = planJobs(project).map(async (job) => {
    const config = project.config.sources[job.source]!;
    const manifests = await readManifests(root, job.name);
    const positions = mergePositions(manifests);
    const previousOf = (w: number): Manifest | undefined => manifests.find((m) => m.worker === w);
    const base = {
      project,
      source: job.source,
      job,
      runId,
      follow: Boolean(opts.follow || config.files?.follow),
      batchSize: opts.batchSize ?? 2048,
      checkpointDir: root,
      positions,
    };
    const results: Counters[] = [];
    let ran: number[];
    if (config.kafka) {
      const workers = opts.workers ?? 1;
      summary.sources[job.name] = { workers, splits: 0 };
      ran = Array.from({ length: workers }, (_, i) => kafkaWorkerId + i);
      await Promise.all(
        ran.map(async (worker) => {
          results.push(
            await superviseKafkaWorker(
              job,
              worker,
              opts,
              async () =>
                (await readManifests(root, job.name)).find((m) => m.worker === worker)?.counters ??
                sumCounters([]),
              async (attempt) =>
                runWorker({
                  ...base,
                  runId: `${runId}a${attempt}`,
                  worker,
                  workers,
                  untilEnd: opts.untilEnd ?? false,
                  previous: (await readManifests(root, job.name)).find((m) => m.worker === worker),
                  catalog: registrar,
                  ...(opts.signal ? { signal: opts.signal } : {}),
                  onProgress: (p) => opts.onProgress?.(job.name, p),
                  ...(opts.log ? { log: opts.log } : {}),
                }),
            ),
          );
        }),
      );
    } else {
      const listed = await splitsOf(project, job.source);
      const splits = listed.length;
      const cores = opts.workers ?? availableParallelism();
      const workers =
        config.stdin || config.files?.follow || opts.follow ? 1 : Math.max(1, Math.min(cores, splits));
      const assignment = assignSplits(listed, workers);
      summary.sources[job.name] = { workers, splits };
      ran = Array.from({ length: workers }, (_, w) => w);
      if (workers === 1) {
        results.push(
          await runWorker({
            ...base,
            workers,
            worker: 0,
            previous: previousOf(0),
            catalog: registrar,
            signal: opts.signal,
            onProgress: (p) => opts.onProgress?.(job.name, p),
          }),
        );
      } else {
        await Promise.all(
          ran.map((w) =>
            runInThread(
              { ...base, workers, assignment, worker: w, previous: previousOf(w) },
              registrar,
              opts,
              (c) => results.push(c),
            ),
          ),
        );
      }
    }
    // Other workers (an earlier run with more workers, other processes of a Kafka group, workers
    // that died) keep their share of the counters: their manifests cover what they committed.
    for (const m of await readManifests(root, job.name))
      if (!ran.includes(m.worker)) results.push(m.counters);
    return results.map((c) => ownCounters(job, c));
  });
  const all = (await Promise.all(jobs)).flat();
  summary.counters = sumCounters(all);
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

/**
 * V8's default young generation (up to ~100 MB per thread here) mostly holds batches already
 * loaded; 24 MB cuts peak RSS by ~200 MB for two workers at ~5% of throughput (docs/decisions.md).
 */
const WORKER_YOUNG_GENERATION_MB = 24;

/**
 * Keeps a Kafka worker alive through broker outages: a failure drops what was read since the last
 * checkpoint and starts the worker again (from its checkpoint) after a growing pause. Configuration
 * problems (WorkerSetupError) are not retried.
 */
async function superviseKafkaWorker(
  job: JobPlan,
  worker: number,
  opts: RunOptions,
  committed: () => Promise<Counters>,
  run: (attempt: number) => Promise<Counters>,
): Promise<Counters> {
  const log = opts.log ?? ((line: string) => console.error(line));
  let delay = 1000;
  for (let attempt = 0; ; attempt++) {
    const began = Date.now();
    try {
      return await run(attempt);
    } catch (e) {
      if (e instanceof WorkerSetupError) throw e;
      if (Date.now() - began > 60_000) delay = 1000;
      log(
        `weir: job ${job.name}, worker ${worker}: ${(e as Error).message} — waiting ${delay / 1000} s, then resuming from the last checkpoint`,
      );
      await sleep(delay, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => {});
      delay = Math.min(delay * 2, 30_000);
      // Stopped while waiting: what the last checkpoint committed stands.
      if (opts.signal?.aborted) return committed();
    }
  }
}

interface ThreadData {
  project: Project;
  source: string;
  job: JobPlan;
  worker: number;
  workers: number;
  runId: string;
  follow: boolean;
  batchSize: number;
  checkpointDir: string;
  positions: Map<string, { offset: number; line: number }>;
  assignment?: Map<string, number>;
  previous?: Manifest;
}

function runInThread(
  data: ThreadData,
  registrar: { addPartitions(p: PartitionRef[]): Promise<void> },
  opts: RunOptions,
  done: (c: Counters) => void,
): Promise<void> {
  let failure: string | undefined;
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker-thread.ts', import.meta.url), {
      workerData: { ...data, project: { dir: data.project.dir } },
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    const stop = () => worker.postMessage({ type: 'stop' });
    opts.signal?.addEventListener('abort', stop, { once: true });
    worker.on('message', async (msg) => {
      if (msg.type === 'partitions') {
        try {
          await registrar.addPartitions(msg.partitions);
          worker.postMessage({ type: 'ack', id: msg.id });
        } catch (e) {
          worker.postMessage({ type: 'ack', id: msg.id, error: String(e) });
        }
      } else if (msg.type === 'progress') {
        opts.onProgress?.(data.source, msg.progress);
      } else if (msg.type === 'done') {
        done(msg.counters);
      } else if (msg.type === 'failed') {
        failure = msg.message;
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      opts.signal?.removeEventListener('abort', stop);
      if (code === 0) resolve();
      else
        reject(
          new Error(failure ?? `worker ${data.worker} of source ${data.source} stopped with code ${code}`),
        );
    });
  });
}
