// One worker of a job: reads its splits of one source, runs every table of the source over that
// single read, loads rows into in-progress files (and Kafka topics) and commits them at checkpoints.
//
// Batches overlap by one: a batch is processed while the one before it is loaded (see step).
//
// Checkpoint protocol (exactly-once into the warehouse):
//   0. load the batch still being processed, so that every batch read is in the files
//   1. close open files (prepareCommit) → files to commit
//   2. write the manifest (files, partitions, positions, counters) atomically
//   3. rename files to their final names, register partitions in the catalog
//   4. transactional Kafka jobs: commit the Kafka transaction together with the source offsets
//   5. acknowledge the source (files: nothing to do; Kafka: commit offsets to the group)
// Recovery (run.ts) replays step 3 of every last manifest and deletes orphaned in-progress files.
// A Kafka rebalance takes a checkpoint (steps 1-4) before partitions are given up.
import { rm } from 'node:fs/promises';
import type { Project } from '../config/project.ts';
import { hiveTarget } from '../config/resolve.ts';
import type { SplitPosition } from '../connectors/files/source.ts';
import { commitFiles } from '../connectors/warehouse/commit.ts';
import { createTableLoader, type TableLoader } from '../connectors/warehouse/loader.ts';
import type { ErrorRecord, StageError } from '../core/errors.ts';
import type { RawRecord, SourcePosition } from '../core/record.ts';
import { addCounters, type Counters, emptyCounters, expireDated } from '../metrics/counters.ts';
import {
  type Manifest,
  ManifestFencedError,
  type PartitionRef,
  type PendingFileRef,
  writeManifest,
} from './checkpoint.ts';
import { sinkColumns } from './columns.ts';
import { ERROR_COLUMNS, ERROR_PARTITIONS, errorRow, errorStoreLocation } from './errorstore.ts';
import { createFilesInput, type InputBatch, type SourceInput } from './input.ts';
// Kafka modules load only for jobs that use Kafka: the client costs ~1 s of start-up per worker.
import type { KafkaInput } from './kafka-input.ts';
import type { KafkaTargets } from './kafka-output.ts';
import { type BatchResult, compilePipeline, type Pipeline } from './pipeline.ts';
import { type JobPlan, planJobs } from './plan.ts';
import { ownerOf } from './splits.ts';

export interface PartitionRegistrar {
  addPartitions(partitions: PartitionRef[]): Promise<void>;
}

export interface WorkerOptions {
  project: Project;
  source: string;
  /** The job this worker belongs to (default: the source's first job). */
  job?: JobPlan;
  /** Worker id: files: index among `workers`; Kafka: the id of this group member's manifest. */
  worker: number;
  workers: number;
  /** Unique per process start; part of file names so attempts never collide. */
  runId: string;
  follow: boolean;
  /** Kafka: stop once the end offsets seen at start are reached. */
  untilEnd?: boolean;
  batchSize: number;
  checkpointDir: string;
  /** Committed positions of every split of the source (from all manifests). */
  positions: Map<string, SplitPosition>;
  /** Files: the owner of each split listed at the start of the run (see assignSplits). */
  assignment?: Map<string, number>;
  /** This worker's last manifest, if any. */
  previous?: Manifest;
  catalog: PartitionRegistrar;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Test hook: called after each checkpoint commit. */
  onCheckpoint?: (m: Manifest) => void;
  /** Plain status lines (waiting for a broker, skipped offset commits). */
  log?: (line: string) => void;
}

export interface Progress {
  worker: number;
  recordsRead: number;
  bytesRead: number;
  checkpoints: number;
  filesCommitted: number;
}

export interface HiveTarget {
  sink: string;
  table: string;
  database: string;
  hiveTable: string;
  location: string;
  partitionedBy: string[];
  loader: TableLoader;
}

/** A worker that could not start because of its configuration: retrying does not help. */
export class WorkerSetupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkerSetupError';
  }
}

/** A Kafka worker found it may no longer own its partitions; it drops its uncommitted work and restarts. */
export class PartitionsLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PartitionsLostError';
  }
}

/**
 * Test hook for the window between the ownership check and the manifest: WEIR_TEST_STALL=<n>:<ms>
 * blocks the thread (timers and heartbeats too, like SIGSTOP) for ms at this process's n-th checkpoint.
 */
function stallForTest(n: number): void {
  const [at, ms] = (process.env.WEIR_TEST_STALL ?? '').split(':').map(Number);
  if (at === n && ms! > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function hiveTargets(project: Project, source: string): Omit<HiveTarget, 'loader'>[] {
  const tablesOfSource = new Set(project.tables.filter((t) => t.config.source === source).map((t) => t.name));
  const out: Omit<HiveTarget, 'loader'>[] = [];
  for (const sink of project.sinks) {
    const hive = sink.config.hive;
    if (!hive || !tablesOfSource.has(sink.config.table)) continue;
    // The same resolution as the DDL and validation: a relative `location` is under the project folder.
    const target = hiveTarget(project, sink.name, hive);
    out.push({
      sink: sink.name,
      table: sink.config.table,
      database: target.database,
      hiveTable: target.table,
      location: target.location,
      partitionedBy: hive.partitioned_by,
    });
  }
  return out;
}

export { sinkColumns };

/** The partition folder is the final file's folder (loader layout: <location>/<k=v>/.../part-*). */
function partitionLocation(final: string): string {
  return final.slice(0, final.lastIndexOf('/'));
}

/** Runs `fn` calls one at a time: batches and rebalance checkpoints never interleave. */
function serializer() {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const result = chain.then(fn);
    chain = result.catch(() => {});
    return result;
  };
}

interface Processed {
  batch: InputBatch;
  result: BatchResult;
}

export async function runWorker(opts: WorkerOptions): Promise<Counters> {
  const { project, source, worker, workers } = opts;
  const job = opts.job ?? planJobs(project).find((j) => j.source === source)!;
  const sourceConfig = project.config.sources[source]!;
  const log = opts.log ?? ((line: string) => console.error(line));
  const counters: Counters = opts.previous ? structuredClone(opts.previous.counters) : emptyCounters();
  let epoch = opts.previous?.epoch ?? 0;
  // Positions of every split this worker ever checkpointed: a split given up in a rebalance keeps
  // its last position here, so the next owner finds it even when the offset commit failed.
  let positions: Manifest['positions'] = { ...(opts.previous?.positions ?? {}) };
  const prefix = `part-${opts.runId}-w${worker}-`;
  const exclusive = serializer();

  let pipeline: Pipeline;
  let kafka: KafkaTargets | undefined;
  try {
    pipeline = await compilePipeline(project, source, { sinks: (s) => job.sinks.includes(s.name) });
  } catch (e) {
    throw new WorkerSetupError((e as Error).message, { cause: e });
  }
  // Raw records of the batch in flight, for error records of rows a sink could not take.
  let inFlight: RawRecord[] = [];
  const sinkErrors: ErrorRecord[] = [];
  /** Rows each sink refused in the batch being loaded: they are errored, not delivered. */
  const refused = new Map<string, number>();
  const onSinkError = (sink: string, origin: SourcePosition, error: StageError) => {
    const raw = inFlight.find(
      (r) => r.position.split === origin.split && r.position.offset === origin.offset,
    );
    refused.set(sink, (refused.get(sink) ?? 0) + 1);
    sinkErrors.push({
      code: error.code,
      stage: 'loader',
      table: project.sinks.find((s) => s.name === sink)?.config.table ?? null,
      raw: raw?.bytes ?? new Uint8Array(0),
      errorClass: error.errorClass,
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
      position: origin,
      configVersion: project.version,
      time: Date.now(),
    });
  };
  try {
    const usesKafka = project.sinks.some((s) => job.sinks.includes(s.name) && s.config.kafka);
    const { createKafkaTargets } = usesKafka
      ? await import('./kafka-output.ts')
      : { createKafkaTargets: null };
    kafka = await createKafkaTargets?.({
      project,
      job,
      worker,
      log,
      onRowError: onSinkError,
    });
  } catch (e) {
    await pipeline.close();
    throw new WorkerSetupError((e as Error).message, { cause: e });
  }

  /** The rows being loaded and where each came from, for a row a Hive loader cannot place (rare). */
  let loading: { rows: object[]; origins: SourcePosition[] } = { rows: [], origins: [] };
  const originOf = (row: object): SourcePosition =>
    loading.origins[loading.rows.indexOf(row)] ?? { split: '', offset: -1 };
  const targets: HiveTarget[] = hiveTargets(project, source)
    .filter((t) => job.sinks.includes(t.sink))
    .map((t) => {
      const sink = project.sinks.find((s) => s.name === t.sink)!.config.hive!;
      return {
        ...t,
        loader: createTableLoader({
          location: t.location,
          columns: sinkColumns(project, t.sink),
          partitionedBy: t.partitionedBy,
          format: sink.format,
          compression: sink.compression,
          rolling: sink.rolling,
          filePrefix: prefix,
          onRowError: (row, error) => onSinkError(t.sink, originOf(row), error),
        }),
      };
    });
  const errorLoader = job.errors
    ? createTableLoader({
        location: errorStoreLocation(project.warehouse, project.config.errors.location),
        columns: ERROR_COLUMNS,
        partitionedBy: ERROR_PARTITIONS,
        format: 'json',
        compression: 'none',
        rolling: { max_bytes: 64 * 1024 * 1024, max_rows: 1_000_000, max_seconds: 3600 },
        filePrefix: prefix,
      })
    : undefined;

  /** The partitioned target whose table folder holds a partition folder (a map lookup, not a scan). */
  const byLocation = new Map(targets.filter((t) => t.partitionedBy.length > 0).map((t) => [t.location, t]));
  const targetAt = (
    partitionDir: string,
    values: Record<string, string>,
  ): (typeof targets)[number] | undefined => {
    let dir = partitionDir;
    for (let i = Object.keys(values).length; i > 0 && dir.includes('/'); i--)
      dir = dir.slice(0, dir.lastIndexOf('/'));
    return byLocation.get(dir);
  };

  let kafkaInput: KafkaInput | undefined;
  let input: SourceInput;
  let finished = false;
  try {
    if (sourceConfig.kafka) {
      const { createKafkaInput } = await import('./kafka-input.ts');
      kafkaInput = await createKafkaInput({
        project,
        source,
        job: job.name,
        group: job.group!,
        worker,
        checkpointDir: opts.checkpointDir,
        positionsFromKafka: kafka?.transactional ?? false,
        untilEnd: opts.untilEnd ?? false,
        onRevoke: async () => {
          if (!finished) await exclusive(() => checkpoint());
        },
        log,
      });
      input = kafkaInput;
    } else {
      input = await createFilesInput({
        project,
        source,
        owns: (split) => (opts.assignment?.get(split) ?? ownerOf(split, workers)) === worker,
        isFirstWorker: worker === 0,
        follow: opts.follow,
        positions: opts.positions,
      });
    }
  } catch (e) {
    await kafka?.close();
    await pipeline.close();
    throw e;
  }

  let rolled: PendingFileRef[] = [];
  /** The batch read last, being processed; loaded by the next step or checkpoint. */
  let processing: Promise<Processed> | undefined;
  const progress: Progress = { worker, recordsRead: 0, bytesRead: 0, checkpoints: 0, filesCommitted: 0 };
  const intervalMs = project.config.checkpoint.interval_seconds * 1000;
  let lastCheckpoint = Date.now();
  /** Read anything since the last checkpoint? An idle file follower has nothing to commit. */
  let dirty = false;

  /** Steps 1-4 of the protocol; returns the positions to acknowledge to the source. */
  async function checkpoint(): Promise<Manifest['positions']> {
    await drain();
    // A member the group may have dropped (e.g. after a long stall) must not commit (checked before
    // any file is closed, so that the failure path can remove them all): the new owner
    // of its partitions may already have read past them. Throwing drops everything since the last
    // checkpoint; the worker then rejoins and starts again from the checkpoints.
    const lost = kafkaInput?.ownershipLost();
    if (lost) throw new PartitionsLostError(`worker ${worker} gave up its uncommitted work: ${lost}`);
    const generation = kafkaInput?.generation() ?? 0;
    stallForTest(progress.checkpoints + 1);
    const pending: PendingFileRef[] = [...rolled];
    const partitions = new Map<string, PartitionRef>();
    for (const t of targets) pending.push(...(await t.loader.prepareCommit()));
    if (errorLoader) pending.push(...(await errorLoader.prepareCommit()));
    for (const f of pending) {
      const location = partitionLocation(f.final);
      const t = targetAt(location, f.partition);
      if (!t || partitions.has(location)) continue;
      partitions.set(location, { database: t.database, table: t.hiveTable, values: f.partition, location });
    }
    expireDated(counters, project.config.counters.dated_ttl_days);
    const now = input.positions();
    positions = { ...positions, ...now };
    for (const split of input.forget?.() ?? []) if (!(split in now)) delete positions[split];
    const manifest: Manifest = {
      format: 1,
      source: job.name,
      worker,
      epoch: ++epoch,
      generation,
      configVersion: project.version,
      time: Date.now(),
      positions,
      pending,
      partitions: [...partitions.values()],
      counters,
    };
    try {
      await writeManifest(opts.checkpointDir, manifest);
      epoch = manifest.epoch; // past a fence of an older generation
    } catch (e) {
      if (!(e instanceof ManifestFencedError)) throw e;
      // The check above passed, then the worker stalled long enough for a new owner to start.
      await Promise.allSettled(pending.map((f) => rm(f.inProgress, { force: true })));
      throw new PartitionsLostError(`worker ${worker} gave up its uncommitted work: ${e.message}`);
    }
    rolled = [];
    await commitFiles(pending);
    if (manifest.partitions.length > 0) await opts.catalog.addPartitions(manifest.partitions);
    if (kafka?.transactional && kafkaInput) {
      const offsets: Record<string, number> = {};
      for (const [split, p] of Object.entries(now)) offsets[split] = p.offset;
      await kafka.commit(offsets, kafkaInput.groupMetadata());
    }
    lastCheckpoint = Date.now();
    dirty = false;
    progress.checkpoints++;
    progress.filesCommitted += pending.length;
    opts.onCheckpoint?.(manifest);
    return now;
  }

  /** Loads a processed batch: rows into the sinks, failures into the error store, counters. */
  async function load({ batch, result }: Processed): Promise<void> {
    inFlight = batch.records;
    for (const t of targets) {
      const rows = result.rows.get(t.sink);
      if (!rows || rows.length === 0) continue;
      loading = { rows, origins: result.origins.get(t.sink) ?? [] };
      await t.loader.write(rows);
    }
    loading = { rows: [], origins: [] };
    if (kafka) await kafka.write(result.rows, result.origins);
    inFlight = [];
    const errors = [...batch.errors, ...result.errors, ...sinkErrors.splice(0)];
    if (errors.length > 0 && errorLoader) await errorLoader.write(errors.map(errorRow));
    for (const [sink, n] of refused) {
      const c = result.counters.sinks[sink];
      if (!c) continue;
      c.recordsOut -= n;
      c.recordsErrored = (c.recordsErrored ?? 0) + n;
    }
    refused.clear();
    addCounters(counters, result.counters, batch.read);
    if (batch.errors.length > 0) counters.sourceErrors = (counters.sourceErrors ?? 0) + batch.errors.length;
    progress.recordsRead += batch.read;
    for (const t of targets) rolled.push(...(await t.loader.prepareCommit({ onlyDue: true })));
  }

  /** Loads the batch still in flight, if any: before a checkpoint, every batch read is loaded. */
  async function drain(): Promise<void> {
    const batch = processing;
    processing = undefined;
    if (batch) await load(await batch);
  }

  /**
   * Reads one batch and starts processing it, then loads the previous one: while a UDF works on a
   * batch in its own thread (Python), this thread parses the next. False when nothing was read.
   */
  async function step(): Promise<boolean> {
    const batch = await input.read(opts.batchSize);
    if (batch.read === 0) {
      await drain();
      return false;
    }
    progress.bytesRead += batch.bytes;
    dirty = true;
    const next = pipeline.process(batch.records).then((result) => ({ batch, result }));
    // Awaited by the next step or checkpoint; until then a failure must not count as unhandled.
    next.catch(() => {});
    await drain();
    processing = next;
    return true;
  }

  // Kafka workers checkpoint even when idle: the checkpoint also checks ownership and commits offsets.
  // A member without partitions (more workers than partitions) has nothing to commit: no manifest
  // rewritten every interval.
  const idleMember = () =>
    kafkaInput !== undefined && !dirty && rolled.length === 0 && Object.keys(kafkaInput.owned()).length === 0;
  const due = () =>
    (dirty || kafkaInput !== undefined) && Date.now() - lastCheckpoint >= intervalMs && !idleMember();
  let failed = true;
  try {
    for (;;) {
      if (opts.signal?.aborted) break;
      const got = await exclusive(step);
      if (due()) await input.acknowledge(await exclusive(checkpoint));
      opts.onProgress?.(progress);
      if (!got) {
        if (input.ended()) break;
        await input.idle(opts.signal);
      } else if (kafkaInput && input.ended()) break;
    }
    if (!idleMember()) await input.acknowledge(await exclusive(checkpoint));
    failed = false;
  } finally {
    finished = true;
    if (failed) {
      // Everything since the last checkpoint is dropped; a restart reads it again.
      await Promise.allSettled([
        ...targets.map((t) => t.loader.abort()),
        errorLoader?.abort(),
        ...rolled.map((f) => rm(f.inProgress, { force: true })),
      ]);
    }
    await input.close();
    await kafka?.close();
    await pipeline.close();
  }
  return counters;
}
