// One worker of a job: reads its splits of one source, runs every table of the source over that
// single read, hands rows to the sinks' writers (src/sinks/contract.ts) and commits them at
// checkpoints. It knows no sink by name: writers come from the registry.
//
// Batches overlap by one: a batch is processed while the one before it is loaded (see step).
//
// Checkpoint protocol (exactly-once into the warehouse):
//   0. load the batch still being processed, so that every batch read is in the files
//   1. every writer's prepareCommit → committables (files, partitions, files kept open with the
//      length committed of each)
//   2. write the manifest (files, open files, partitions, positions, counters) atomically
//   3. every writer's commit (files renamed to their final names; a transactional Kafka writer
//      commits its transaction with the source offsets), then partitions registered in the catalog
//   4. acknowledge the source (files: nothing to do; Kafka: commit offsets to the group)
// Recovery (src/sinks/recovery.ts) replays step 3's files and partitions of every last manifest,
// publishes the committed prefix of its open files and deletes orphaned in-progress files. A Kafka rebalance takes a checkpoint (steps 1-3) before
// partitions are given up.
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Project, ResolvedSink } from '../config/project.ts';
import type { SplitPosition } from '../connectors/files/source.ts';
import type { ErrorRecord, StageError } from '../core/errors.ts';
import { FencedError, WorkerSetupError } from '../core/job-errors.ts';
import type { RawRecord, SourcePosition } from '../core/record.ts';
import { serializer } from '../core/serial.ts';
import { addCounters, type Counters, emptyCounters, expireDated } from '../metrics/counters.ts';
import type { Committables, PartitionRef, SinkWriter } from '../sinks/contract.ts';
import { publishOpenFiles } from '../sinks/recovery.ts';
import { createSinkWriters, errorRow } from '../sinks/registry.ts';
import { type Manifest, ManifestFencedError, writeManifest } from './checkpoint.ts';
import { createFilesInput, type InputBatch, type SourceInput } from './input.ts';
// Kafka modules load only for jobs that use Kafka: the client costs ~1 s of start-up per worker.
import type { KafkaInput } from './kafka-input.ts';
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
  /** 0 for the worker's first start in this run; more after a retriable failure (see run.ts). */
  attempt?: number;
  /** Builds the sinks' writers (default: the registry's); protocol tests pass fakes. */
  sinkWriters?: typeof createSinkWriters;
  /** Test hook: called after each checkpoint commit. */
  onCheckpoint?: (m: Manifest) => void;
  /** Plain status lines (waiting for a broker, skipped offset commits). */
  log?: (line: string) => void;
  /**
   * Hot update: a newer config version waiting for this worker, if any (run.ts watches the
   * project; each version is offered once). The worker takes a checkpoint on the version it runs,
   * then goes on with the new one in place: same source reader, same consumer-group membership.
   * Each record is processed by exactly one version. A version whose pipeline or writers cannot be
   * built is refused: the worker runs on, and its manifests say so.
   */
  nextVersion?: () => { project: Project; job: JobPlan } | undefined;
  /** What to read instead of the source's files or topic (weir replay: stored error records). */
  input?: SourceInput;
  /** Hot update: the last version the run refused before offering it (run.ts, watch.ts). */
  refusedByRun?: () => RefusedVersion | undefined;
}

/** A version this worker could not take, as its manifests carry it (weir status shows it). */
export interface RefusedVersion {
  version: string;
  message: string;
  time: number;
}

export interface Progress {
  worker: number;
  recordsRead: number;
  bytesRead: number;
  checkpoints: number;
  filesCommitted: number;
}

/**
 * Test hook for the window between the ownership check and the manifest: WEIR_TEST_STALL=<n>:<ms>
 * blocks the thread (timers and heartbeats too, like SIGSTOP) for ms, once, at this process's n-th
 * checkpoint that has records to commit. Counted across attempts: a worker that gave up its work
 * for another reason first (a loaded machine) still stalls later, while it owns unfinished partitions.
 */
let stallCount = 0;
function stallForTest(hasRecords: boolean): void {
  const [at, ms] = (process.env.WEIR_TEST_STALL ?? '').split(':').map(Number);
  if (!hasRecords || !(ms! > 0) || ++stallCount !== at) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Test hook: WEIR_TEST_BATCH_DELAY_MS=<ms> waits that long after each batch read (timers and
 * heartbeats go on), so a test's worker is still mid-stream when the others have joined.
 */
const batchDelayForTest = Number(process.env.WEIR_TEST_BATCH_DELAY_MS) || 0;

/**
 * Test hook: WEIR_TEST_FAIL=<worker>:<records>[:<errno code>] fails that worker's first attempt
 * once it has read that many records (with the code, e.g. EBUSY, the error is that file-system error).
 */
function failForTest(worker: number, recordsRead: number, attempt: number): void {
  const [who, after, code] = (process.env.WEIR_TEST_FAIL ?? '').split(':');
  if (attempt > 0 || Number(who) !== worker || !(Number(after) > 0) || recordsRead < Number(after)) return;
  const e: NodeJS.ErrnoException = new Error(
    `worker ${worker} failed on purpose after ${recordsRead} records (WEIR_TEST_FAIL${code ? `, ${code}` : ''})`,
  );
  if (code) e.code = code;
  throw e;
}

interface Processed {
  batch: InputBatch;
  result: BatchResult;
}

/** What one config version gives a worker: its plan, its pipeline and its sinks' writers. */
interface Version {
  project: Project;
  job: JobPlan;
  jobSinks: ResolvedSink[];
  pipeline: Pipeline;
  /** Every writer, the error store's last: each goes through every checkpoint. */
  writers: SinkWriter[];
  errorStore: SinkWriter | undefined;
  writerOf: Map<string, SinkWriter>;
}

type WriterContext = Omit<Parameters<typeof createSinkWriters>[1], 'project' | 'job'>;

async function compile(project: Project, job: JobPlan): Promise<Pipeline> {
  try {
    return await compilePipeline(project, job.source, { sinks: (s) => job.sinks.includes(s.name) });
  } catch (e) {
    throw new WorkerSetupError((e as Error).message, { cause: e });
  }
}

/** The writers of `job`'s sinks in `project`, under file names starting with `context.filePrefix`. */
async function openWriters(
  project: Project,
  job: JobPlan,
  pipeline: Pipeline,
  context: WriterContext,
  make: typeof createSinkWriters,
): Promise<Version> {
  const jobSinks = project.sinks.filter((s) => job.sinks.includes(s.name));
  let built: Awaited<ReturnType<typeof createSinkWriters>>;
  try {
    built = await make(jobSinks, { ...context, project, job }, { errors: job.errors });
  } catch (e) {
    throw new WorkerSetupError((e as Error).message, { cause: e });
  }
  const { errorStore } = built;
  const writerOf = new Map<string, SinkWriter>();
  for (const w of built.sinks) for (const sink of w.sinks) writerOf.set(sink, w);
  const writers = errorStore ? [...built.sinks, errorStore] : built.sinks;
  return { project, job, jobSinks, pipeline, writers, errorStore, writerOf };
}

export async function runWorker(opts: WorkerOptions): Promise<Counters> {
  const { source, worker, workers } = opts;
  const project = opts.project;
  const job = opts.job ?? planJobs(project).find((j) => j.source === source)!;
  const sourceConfig = project.config.sources[source]!;
  const log = opts.log ?? ((line: string) => console.error(line));
  const counters: Counters = opts.previous ? structuredClone(opts.previous.counters) : emptyCounters();
  let epoch = opts.previous?.epoch ?? 0;
  // Positions of every split this worker ever checkpointed: a split given up in a rebalance keeps
  // its last position here, so the next owner finds it even when the offset commit failed.
  let positions: Manifest['positions'] = { ...(opts.previous?.positions ?? {}) };
  // Writers of each version take new file names: a switch never reuses a name of the one before.
  let switches = 0;
  const filePrefix = () => `part-${opts.runId}${switches > 0 ? `s${switches}` : ''}-w${worker}-`;
  const makeWriters = opts.sinkWriters ?? createSinkWriters;
  const context = (): WriterContext => ({ worker, filePrefix: filePrefix(), catalog: opts.catalog, log });
  // Batches, rebalance checkpoints and version switches never interleave.
  const exclusive = serializer();
  // Since when, and from which source positions on, the worker runs its version (a restart on
  // the same version keeps them; the first checkpoint of a version is its switch point).
  const sameVersion = opts.previous?.configVersion === project.version;
  let versionSince = sameVersion ? (opts.previous!.versionSince ?? Date.now()) : Date.now();
  let versionFrom: Manifest['positions'] = sameVersion
    ? (opts.previous!.versionFrom ?? {})
    : { ...positions };
  /** Time of the refusal the last manifest carries (0: none). */
  let writtenRefusal = 0;
  /** The last version this worker refused. */
  let refusal: RefusedVersion | undefined = sameVersion ? opts.previous!.refused : undefined;

  if (opts.previous?.open && (opts.attempt ?? 0) > 0) {
    await publishOpenFiles(opts.previous.open);
    await opts.catalog.addPartitions(opts.previous.partitions);
  }
  const pipeline = await compile(project, job);
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
      table: v.project.sinks.find((s) => s.name === sink)?.config.table ?? null,
      raw: raw?.bytes ?? new Uint8Array(0),
      errorClass: error.errorClass,
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
      position: origin,
      configVersion: v.project.version,
      time: Date.now(),
    });
  };
  /** The version running now. */
  let v: Version;
  try {
    v = await openWriters(project, job, pipeline, context(), makeWriters);
  } catch (e) {
    await pipeline.close();
    throw e;
  }
  const transactional = job.delivery === 'transactions';

  let kafkaInput: KafkaInput | undefined;
  let input: SourceInput;
  let finished = false;
  try {
    if (opts.input) {
      input = opts.input;
    } else if (sourceConfig.kafka) {
      const { createKafkaInput } = await import('./kafka-input.ts');
      kafkaInput = await createKafkaInput({
        project,
        source,
        job: job.name,
        group: job.group!,
        worker,
        checkpointDir: opts.checkpointDir,
        positionsFromKafka: transactional,
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
    await Promise.allSettled(v.writers.map((w) => w.close()));
    await v.pipeline.close();
    throw e;
  }

  /** What writers closed after a batch (rolling), committed at the next checkpoint. */
  let rolled = new Map<SinkWriter, Committables>();
  const roll = (w: SinkWriter, c: Committables) => {
    if (c.files.length === 0 && c.partitions.length === 0) return;
    const had = rolled.get(w);
    rolled.set(
      w,
      had ? { files: [...had.files, ...c.files], partitions: [...had.partitions, ...c.partitions] } : c,
    );
  };
  const rolledFiles = () => [...rolled.values()].flatMap((c) => c.files);
  /** The batch read last, being processed; loaded by the next step or checkpoint. */
  let processing: Promise<Processed> | undefined;
  const progress: Progress = { worker, recordsRead: 0, bytesRead: 0, checkpoints: 0, filesCommitted: 0 };
  const intervalMs = project.config.checkpoint.interval_seconds * 1000;
  let lastCheckpoint = Date.now();
  /** Read anything since the last checkpoint? An idle file follower has nothing to commit. */
  let dirty = false;
  /** Files the last checkpoint kept open (row formats): they roll by age even while idle. */
  let keptOpen = 0;

  /** The newest refusal (this worker's or the run's) since the worker began its version. */
  function refusedSince(): { refused?: RefusedVersion } {
    const run = opts.refusedByRun?.();
    const newest = !refusal || (run && run.time > refusal.time) ? run : refusal;
    return newest && newest.time >= versionSince ? { refused: newest } : {};
  }

  /**
   * Steps 1-4 of the protocol; returns the positions to acknowledge to the source. `final`: the
   * last checkpoint of these writers (a stop, a version switch): every file closes.
   */
  async function checkpoint(final = false): Promise<Manifest['positions']> {
    await drain();
    // A member the group may have dropped (e.g. after a long stall) must not commit (checked before
    // any file is closed, so that the failure path can remove them all): the new owner
    // of its partitions may already have read past them. Throwing drops everything since the last
    // checkpoint; the worker then rejoins and starts again from the checkpoints.
    const lost = kafkaInput?.ownershipLost();
    if (lost) throw new FencedError(`worker ${worker} gave up its uncommitted work: ${lost}`);
    const generation = kafkaInput?.generation() ?? 0;
    stallForTest(dirty);
    const open: Manifest['pending'] = [];
    for (const w of v.writers) {
      // A Kafka job's members run in several processes: one that died would keep the rows it
      // committed hidden in its open files until one restarts, so each checkpoint closes them.
      const c = await w.prepareCommit({ mode: final || kafkaInput ? 'final' : 'checkpoint' });
      roll(w, { files: c.files, partitions: c.partitions });
      open.push(...(c.open ?? []));
    }
    const committing = rolled;
    const pending = rolledFiles();
    const partitions = new Map<string, PartitionRef>();
    for (const c of committing.values())
      for (const p of c.partitions) if (!partitions.has(p.location)) partitions.set(p.location, p);
    expireDated(counters, v.project.config.counters.dated_ttl_days);
    const now = input.positions();
    positions = { ...positions, ...now };
    for (const split of input.forget?.() ?? []) if (!(split in now)) delete positions[split];
    const manifest: Manifest = {
      format: 1,
      source: job.name,
      worker,
      epoch: ++epoch,
      generation,
      configVersion: v.project.version,
      versionSince,
      versionFrom,
      ...refusedSince(),
      time: Date.now(),
      positions,
      pending,
      ...(open.length > 0 ? { open } : {}),
      partitions: [...partitions.values()],
      counters,
    };
    try {
      await writeManifest(opts.checkpointDir, manifest);
      epoch = manifest.epoch; // past a fence of an older generation
      writtenRefusal = manifest.refused?.time ?? 0;
    } catch (e) {
      if (!(e instanceof ManifestFencedError)) throw e;
      // The check above passed, then the worker stalled long enough for a new owner to start.
      await Promise.allSettled(pending.map((f) => rm(f.inProgress, { force: true })));
      throw new FencedError(`worker ${worker} gave up its uncommitted work: ${e.message}`);
    }
    rolled = new Map();
    keptOpen = open.length;
    const offsets: Record<string, number> = {};
    for (const [split, p] of Object.entries(now)) offsets[split] = p.offset;
    const at = { positions: offsets, ...(kafkaInput ? { group: kafkaInput.groupMetadata() } : {}) };
    for (const w of v.writers) await w.commit(committing.get(w) ?? { files: [], partitions: [] }, at);
    if (manifest.partitions.length > 0) await opts.catalog.addPartitions(manifest.partitions);
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
    const { errorStore } = v;
    for (const sink of v.jobSinks) {
      const rows = result.rows.get(sink.name);
      const writer = v.writerOf.get(sink.name);
      if (!rows || rows.length === 0 || !writer) continue;
      const origins = result.origins.get(sink.name) ?? [];
      for (const { index, error } of await writer.write(sink.name, rows, origins))
        onSinkError(sink.name, origins[index] ?? { split: '', offset: -1 }, error);
    }
    inFlight = [];
    const errors = [...batch.errors, ...result.errors, ...sinkErrors.splice(0)];
    if (errors.length > 0 && errorStore) {
      const lost = await errorStore.write('', errors.map(errorRow), []);
      if (lost.length > 0)
        throw new Error(`the error store refused an error record: ${lost[0]!.error.message}`);
    }
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
    await rollDue();
  }

  /** Closes what rolling says is due (also while no batch comes: a file's age alone can roll it). */
  async function rollDue(): Promise<void> {
    for (const w of v.writers) roll(w, await w.prepareCommit({ mode: 'batch' }));
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
    if (batchDelayForTest > 0) await sleep(batchDelayForTest);
    const next = v.pipeline.process(batch.records).then((result) => ({ batch, result }));
    // Awaited by the next step or checkpoint; until then a failure must not count as unhandled.
    next.catch(() => {});
    await drain();
    processing = next;
    return true;
  }

  /**
   * Hot update: checkpoint on the running version, then go on with `next`. Its pipeline is built
   * first, then its writers in place of the old ones (a transactional Kafka writer and its
   * successor must not be open at once). Whatever fails is refused; the worker runs on.
   */
  async function switchTo(next: { project: Project; job: JobPlan }): Promise<void> {
    const from = v.project.version;
    const to = next.project.version;
    const refuse = (e: unknown) => {
      const message = (e as Error).message;
      refusal = { version: to, message, time: Date.now() };
      log(
        `weir: job ${job.name}, worker ${worker}: version ${to} refused (${message}); running on version ${from}`,
      );
    };
    let nextPipeline: Pipeline;
    try {
      nextPipeline = await compile(next.project, next.job);
    } catch (e) {
      refuse(e);
      return;
    }
    if (!idleMember()) await input.acknowledge(await checkpoint(true));
    const old = v;
    await Promise.allSettled(old.writers.map((w) => w.close()));
    switches++;
    try {
      v = await openWriters(next.project, next.job, nextPipeline, context(), makeWriters);
    } catch (e) {
      await nextPipeline.close();
      refuse(e);
      switches++;
      v = await openWriters(old.project, old.job, old.pipeline, context(), makeWriters);
      return;
    }
    await old.pipeline.close();
    versionSince = Date.now();
    versionFrom = { ...positions };
    log(
      `weir: job ${job.name}, worker ${worker}: checkpointed on version ${from}; going on with version ${to}`,
    );
  }

  // Kafka workers checkpoint even when idle: the checkpoint also checks ownership and commits offsets.
  // A member without partitions (more workers than partitions) has nothing to commit: no manifest
  // rewritten every interval.
  const idleMember = () =>
    kafkaInput !== undefined &&
    !dirty &&
    rolled.size === 0 &&
    keptOpen === 0 &&
    Object.keys(kafkaInput.owned()).length === 0;
  // A refusal the manifest does not carry yet is written even by an idle worker: status shows it.
  const refusalUnwritten = () => (refusedSince().refused?.time ?? 0) !== writtenRefusal;
  const due = () =>
    (dirty || rolled.size > 0 || kafkaInput !== undefined || refusalUnwritten()) &&
    Date.now() - lastCheckpoint >= intervalMs &&
    !idleMember();
  let failed = true;
  try {
    for (;;) {
      if (opts.signal?.aborted) break;
      const got = await exclusive(step);
      failForTest(worker, progress.recordsRead, opts.attempt ?? 0);
      if (due()) await input.acknowledge(await exclusive(() => checkpoint()));
      opts.onProgress?.(progress);
      const next = opts.nextVersion?.();
      if (next) await exclusive(() => switchTo(next));
      if (!got) {
        if (input.ended()) break;
        if (keptOpen > 0) await exclusive(rollDue);
        await input.idle(opts.signal);
      } else if (kafkaInput && input.ended()) break;
    }
    if (!idleMember()) await input.acknowledge(await exclusive(() => checkpoint(true)));
    failed = false;
  } finally {
    finished = true;
    if (failed) {
      // Everything since the last checkpoint is dropped; a restart reads it again.
      await Promise.allSettled([
        ...v.writers.map((w) => w.abort()),
        ...rolledFiles().map((f) => rm(f.inProgress, { force: true })),
      ]);
    }
    await input.close();
    await Promise.allSettled(v.writers.map((w) => w.close()));
    await v.pipeline.close();
  }
  return counters;
}
