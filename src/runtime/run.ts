// Runs a project: one job per source (two for a Kafka source with separate_realtime); a file job's
// splits are spread over worker threads, every worker running all tables of the source over its
// share of one read. A Kafka job's workers are members of one consumer group: this process runs
// one (or --workers) of them, other processes of the same project join the same group.
import { randomBytes, randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { Project } from '../config/project.ts';
import { listSplits, resolveFiles } from '../connectors/files/source.ts';
import { FencedError, failureKind, failureOfKind, WorkerSetupError } from '../core/job-errors.ts';
import { type Counters, sumCounters } from '../metrics/counters.ts';
import {
  type Catalog,
  recoverSinks,
  registerPartitions,
  registerTables,
  settleCompactions,
  startBackgroundCompaction,
} from '../sinks/recovery.ts';
import { checkpointDir, mergePositions, type PartitionRef, readManifests } from './checkpoint.ts';
import { explainError } from './io-errors.ts';
import { type Progress, type RefusedVersion, runWorker, type WorkerOptions } from './job.ts';
import { liveRuns, markLive } from './live.ts';
import { acquireRunLock, type RunLock } from './lock.ts';
import { isRealtimeJob, type JobPlan, planJobs } from './plan.ts';
import { replayJobNames } from './replay.ts';
import { assignSplits } from './splits.ts';
import type { FromWorker, ThreadStart, ToWorker } from './thread-messages.ts';
import { jobSpec, watchProject } from './watch.ts';

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
  /** Hot update: watch the project's files and switch the workers to a changed, valid version. */
  watch?: boolean;
  /** Compact the tables whose config asks for it in the background (weir run; not replays or backfills). */
  compact?: boolean;
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

/**
 * Completes whatever a crash interrupted: every last manifest's files are committed and its partitions
 * registered (both idempotent); in-progress files no manifest names are deleted.
 */
export async function recover(project: Project, catalog: Catalog): Promise<void> {
  const root = checkpointRoot(project);
  const manifests = [];
  for (const job of planJobs(project)) manifests.push(...(await readManifests(root, job.name)));
  for (const name of await replayJobNames(root)) manifests.push(...(await readManifests(root, name)));
  // In-progress files of runs still going (another `weir run` of this project) are not orphans.
  const live = await liveRuns(root);
  await recoverSinks(project, catalog, manifests, (name) =>
    live.some((id) => name.startsWith(`.part-${id}`)),
  );
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
      await settleCompactions(project, catalog);
      const stopCompaction = opts.compact
        ? startBackgroundCompaction(project, catalog, opts.log ?? ((line) => console.error(line)))
        : async () => {};
      try {
        return await runJobs(project, opts, catalog, root, runId, started);
      } finally {
        await stopCompaction();
      }
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
  // The first worker of any job to fail stops all the others (see allOrStop).
  const stopAll = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stopAll.signal]) : stopAll.signal;
  const log = opts.log ?? ((line: string) => console.error(line));
  // The newest valid version. Each worker is offered it once, at its next loop turn, and switches
  // in place at a checkpoint (job.ts nextVersion) or refuses it and runs on.
  const live: { project: Project; refused?: RefusedVersion } = { project };
  /** Per running job: its source's settings and what stops its workers for a rebuild. */
  const running = new Map<string, { spec: string; rebuild: AbortController }>();

  const stopWatching = opts.watch
    ? watchProject(project, {
        log,
        async onVersion(next) {
          await registerTables(next); // tables and sinks the version adds
          live.project = next;
          // A job whose source's settings changed is rebuilt: its workers checkpoint and end, and
          // the job starts again on the new settings from those checkpoints.
          for (const [name, r] of running) {
            const job = planJobs(next).find((j) => j.name === name);
            if (job && jobSpec(next, job) !== r.spec) r.rebuild.abort();
          }
        },
        onRefused(refused) {
          live.refused = refused;
        },
      })
    : () => {};
  /** The project and plan of `job` in the live version. */
  const current = (job: JobPlan) => ({
    project: live.project,
    job: planJobs(live.project).find((j) => j.name === job.name) ?? job,
  });

  /**
   * One run of a job's workers, on the live version's settings of its source. Ends when they end
   * (the run stops, or `rebuild` aborts them after their last checkpoint).
   */
  const runJob = async (job: JobPlan, rebuild: AbortController, incarnation: number): Promise<Counters[]> => {
    const started = live.project;
    const config = started.config.sources[job.source]!;
    const spec = jobSpec(started, job);
    running.set(job.name, { spec, rebuild });
    const jobSignal = AbortSignal.any([signal, rebuild.signal]);
    const workerOpts: RunOptions = { ...opts, signal: jobSignal };
    const manifests = await readManifests(root, job.name);
    /** The last version offered to (or started on) each worker. */
    const offered = new Map<number, Project>();
    const nextVersion = (w: number) => () => {
      if (offered.get(w) === live.project) return undefined;
      offered.set(w, live.project);
      // A version with other settings for this job's source rebuilds the job instead (below).
      if (jobSpec(live.project, current(job).job) !== spec) return undefined;
      return current(job);
    };
    const base = {
      source: job.source,
      runId,
      follow: Boolean(opts.follow || config.files?.follow),
      batchSize: opts.batchSize ?? 2048,
      checkpointDir: root,
      positions: mergePositions(manifests),
    };
    const manifestOf = async (w: number) => (await readManifests(root, job.name)).find((m) => m.worker === w);
    let ran: number[];
    let retriable: (e: unknown) => boolean;
    /** One start of worker `w`; attempt > 0 after a retriable failure, from its last checkpoint. */
    let start: (w: number, attempt: number) => Promise<Counters>;
    if (config.kafka) {
      const workers = opts.workers ?? 1;
      summary.sources[job.name] = { workers, splits: 0 };
      ran = Array.from({ length: workers }, (_, i) => kafkaWorkerId + i);
      // A Kafka worker outlives outages: everything but its configuration is retried.
      retriable = (e) => !(e instanceof WorkerSetupError);
      start = async (worker, attempt) => {
        const now = current(job);
        offered.set(worker, now.project);
        return runWorker({
          ...base,
          ...now,
          nextVersion: nextVersion(worker),
          refusedByRun: () => live.refused,
          runId: `${runId}${incarnation > 0 ? `b${incarnation}` : ''}a${attempt}`,
          worker,
          workers,
          attempt,
          untilEnd: opts.untilEnd ?? false,
          previous: await manifestOf(worker),
          catalog: registrar,
          signal: jobSignal,
          onProgress: (p) => opts.onProgress?.(job.name, p),
          ...(opts.log ? { log: opts.log } : {}),
        });
      };
    } else {
      const listed = await splitsOf(started, job.source);
      const splits = listed.length;
      const cores = opts.workers ?? availableParallelism();
      const workers =
        config.stdin || config.files?.follow || opts.follow ? 1 : Math.max(1, Math.min(cores, splits));
      const assignment = assignSplits(listed, workers);
      summary.sources[job.name] = { workers, splits };
      ran = Array.from({ length: workers }, (_, w) => w);
      // Restarted from its own last checkpoint; stdin cannot be read again.
      retriable = (e) => !config.stdin && ['retriable', 'fenced'].includes(failureKind(e));
      start = async (w, attempt) => {
        const now = attempt === 0 ? manifests : await readManifests(root, job.name);
        const version = current(job);
        offered.set(w, version.project);
        const data = {
          ...base,
          ...version,
          nextVersion: nextVersion(w),
          refusedByRun: () => live.refused,
          positions: mergePositions(now),
          previous: now.find((m) => m.worker === w),
          runId: `${runId}${incarnation > 0 ? `b${incarnation}` : ''}a${attempt}`,
          workers,
          worker: w,
          attempt,
        };
        if (workers > 1) return runInThread({ ...data, assignment }, registrar, opts, jobSignal);
        return runWorker({
          ...data,
          catalog: registrar,
          signal: jobSignal,
          onProgress: (p) => opts.onProgress?.(job.name, p),
        });
      };
    }
    const results = await allOrStop(
      ran.map((w) =>
        supervise(
          job,
          w,
          workerOpts,
          retriable,
          async () => (await manifestOf(w))?.counters ?? sumCounters([]),
          (attempt) => start(w, attempt),
        ),
      ),
      stopAll,
    );
    // Other workers (an earlier run with more workers, other processes of a Kafka group, workers
    // that died) keep their share of the counters: their manifests cover what they committed.
    for (const m of await readManifests(root, job.name))
      if (!ran.includes(m.worker)) results.push(m.counters);
    return results.map((c) => ownCounters(job, c));
  };
  const jobs = planJobs(project).map(async (first) => {
    let job = first;
    // Each rebuild's file names differ from the ones before it (the run id is part of them).
    for (let incarnation = 0; ; incarnation++) {
      const rebuild = new AbortController();
      job = current(job).job;
      const results = await runJob(job, rebuild, incarnation);
      if (!rebuild.signal.aborted || signal.aborted) return results;
      job = current(job).job;
      log(
        `weir: job ${job.name}: checkpointed; started again on version ${live.project.version} (its source's settings changed), from its checkpoints`,
      );
    }
  });
  let all: Counters[];
  try {
    all = (await allOrStop(jobs, stopAll)).flat();
  } finally {
    stopWatching();
  }
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
 * Keeps a worker alive through what passes by itself (a Kafka broker outage; a busy file): a
 * failure that `retriable` accepts drops what was read since the last checkpoint and starts the
 * worker again (from its checkpoint) after a growing pause, 1 s up to 30 s. Any other failure is
 * thrown (and stops the run's other workers, see allOrStop).
 */
async function supervise(
  job: JobPlan,
  worker: number,
  opts: RunOptions,
  retriable: (e: unknown) => boolean,
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
      if (!retriable(e)) throw e;
      if (Date.now() - began > 60_000) delay = 1000;
      // Fenced is no fault of the machine: a short pause for the group to settle, no back-off.
      const pause = e instanceof FencedError ? 1000 : delay;
      log(
        `weir: job ${job.name}, worker ${worker}: ${explainError(e)} — waiting ${pause / 1000} s, then resuming from the last checkpoint`,
      );
      await sleep(pause, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => {});
      if (pause === delay) delay = Math.min(delay * 2, 30_000);
      // Stopped while waiting: what the last checkpoint committed stands.
      if (opts.signal?.aborted) return committed();
    }
  }
}

function runInThread(
  input: Omit<ThreadStart, 'project'> & {
    project: Project;
    nextVersion?: WorkerOptions['nextVersion'];
    // Not passed on: a thread's manifests name only refusals of its own (functions cannot cross).
    refusedByRun?: WorkerOptions['refusedByRun'];
  },
  registrar: { addPartitions(p: PartitionRef[]): Promise<void> },
  opts: RunOptions,
  signal: AbortSignal,
): Promise<Counters> {
  let failure: Extract<FromWorker, { type: 'failed' }> | undefined;
  let counters: Counters | undefined;
  const { nextVersion, refusedByRun: _, ...data } = input;
  const { project } = data;
  const start: ThreadStart = {
    ...data,
    project: { dir: project.dir, text: project.text, version: project.version },
  };
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker-thread.ts', import.meta.url), {
      workerData: start,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    const send = (msg: ToWorker) => worker.postMessage(msg);
    const stop = () => send({ type: 'stop' });
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    // The thread has the config text it started with; it hears of a newer version from here.
    const watching = setInterval(() => {
      const next = nextVersion?.();
      if (!next) return;
      const { dir, text, version } = next.project;
      send({ type: 'config-changed', project: { dir, text, version }, job: next.job });
    }, 250);
    worker.on('message', async (msg: FromWorker) => {
      if (msg.type === 'partitions') {
        try {
          await registrar.addPartitions(msg.partitions);
          send({ type: 'ack', id: msg.id });
        } catch (e) {
          send({ type: 'ack', id: msg.id, error: String(e) });
        }
      } else if (msg.type === 'progress') {
        opts.onProgress?.(data.source, msg.progress);
      } else if (msg.type === 'done') {
        counters = msg.counters;
      } else if (msg.type === 'failed') {
        failure = msg;
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      clearInterval(watching);
      signal.removeEventListener('abort', stop);
      if (failure) reject(failureOfKind(failure.kind, failure.message));
      else if (code === 0 && counters) resolve(counters);
      else reject(new Error(`worker ${data.worker} of source ${data.source} stopped with code ${code}`));
    });
  });
}

/**
 * Runs a job's workers together. The first to fail stops the others through `stopAll`: each
 * finishes its batch and takes a last checkpoint, so nothing is left half written; then the first
 * failure is thrown.
 */
async function allOrStop<T>(tasks: Promise<T>[], stopAll: AbortController): Promise<T[]> {
  const settled = await Promise.allSettled(
    tasks.map((t) =>
      t.catch((e: unknown) => {
        stopAll.abort();
        throw e;
      }),
    ),
  );
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}
