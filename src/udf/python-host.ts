// One Pyodide interpreter (in a worker thread) shared by every Python UDF of a project in this
// thread. Calls are queued one at a time; each batch gets a time limit: first a KeyboardInterrupt
// through the interrupt buffer, then terminate-and-recreate if Python does not answer. A
// terminated or crashed interpreter is recreated on the next call, re-loading every UDF.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MarshalValueError, MarshalWriter, readMarshal } from './marshal.ts';
import type { PythonRequest, PythonResponse, PythonWorkerData } from './python-protocol.ts';
import type { UdfBatchResult, UdfKind, UdfOutcome } from './types.ts';

export interface PythonUdfSpec {
  /** Path relative to the project, e.g. `udf/currency.py`. */
  path: string;
  /** Folder put on sys.path, e.g. `udf`. */
  dir: string;
  module: string;
  func: string;
  kind: UdfKind;
}

export interface PythonHostOptions {
  /** Cap on the interpreter's memory; past it the UDF gets MemoryError. Default 1024. */
  memoryLimitMb?: number;
  /**
   * How long Python gets to stop after the interrupt before the worker is terminated (which loses
   * the whole batch's answers, earlier records' included). Default 3000: on a busy machine the
   * interpreter's thread can wait that long for a core.
   */
  graceMs?: number;
  /** Time limit for importing a UDF's module (its top-level code). Default 10000. */
  loadTimeoutMs?: number;
  /**
   * Where a memory snapshot of a fresh interpreter is kept between processes, so that a process
   * starts Python in ~0.3 s instead of ~4-6 s; null: no file. Default: defaultSnapshotFile().
   */
  snapshotFile?: string | null;
}

/** node_modules/.cache/weir/pyodide-<version>-node<version>.snapshot, next to the pyodide package. */
export function defaultSnapshotFile(): string | null {
  try {
    const packageDir = dirname(fileURLToPath(import.meta.resolve('pyodide')));
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      version: string;
    };
    const name = `pyodide-${version}-node${process.versions.node}.snapshot`;
    return join(packageDir, '..', '.cache', 'weir', name);
  } catch {
    return null;
  }
}

type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;
type Request = WithoutId<PythonRequest>;

type Answer = Extract<PythonResponse, { ok: true }>;

const WORKER_URL = new URL('./python-worker.ts', import.meta.url);
/** Memory snapshot of a fresh interpreter, shared by every host of this thread: restarts take ~0.3 s. */
let snapshot: Uint8Array | undefined;
const SIGINT = 2;

class WorkerGone extends Error {
  readonly reason: 'timeout' | 'crash';
  constructor(reason: 'timeout' | 'crash', message: string) {
    super(message);
    this.reason = reason;
  }
}

class PythonFailure extends Error {
  readonly interrupted: boolean;
  constructor(message: string, interrupted: boolean) {
    super(message);
    this.interrupted = interrupted;
  }
}

function failAll(n: number, outcome: UdfOutcome): UdfBatchResult {
  return { outcomes: Array.from({ length: n }, () => outcome), counters: {} };
}

export class PythonHost {
  readonly projectDir: string;
  private readonly memoryLimitMb: number;
  private readonly graceMs: number;
  private readonly loadTimeoutMs: number;
  private readonly snapshotFile: string | null;
  private from: 'memory' | 'file' | 'fresh' | null = null;
  private readonly interrupt = new Int32Array(new SharedArrayBuffer(4));
  private worker: Worker | null = null;
  /** Resolves once the current worker has the project's folders and UDFs loaded. */
  private started: Promise<void> | null = null;
  private readonly pending = new Map<number, { resolve(answer: Answer): void; reject(e: Error): void }>();
  private nextId = 1;
  private nextUdfId = 1;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly dirs = new Set<string>();
  private readonly udfs = new Map<number, PythonUdfSpec>();
  /** UDFs that could not be re-loaded into a recreated interpreter, with the reason. */
  private readonly broken = new Map<number, string>();
  /**
   * Where batches are written: shared memory, reused batch after batch (calls run one at a time),
   * so a batch is neither copied to the interpreter's thread nor left behind as garbage.
   */
  private readonly batch = new MarshalWriter(1024 * 1024, true);

  constructor(projectDir: string, options: PythonHostOptions = {}) {
    this.projectDir = projectDir;
    this.memoryLimitMb = options.memoryLimitMb ?? 1024;
    this.graceMs = options.graceMs ?? 3000;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 10_000;
    this.snapshotFile = options.snapshotFile === undefined ? defaultSnapshotFile() : options.snapshotFile;
  }

  /** Where the current interpreter started from: a snapshot in memory, the snapshot file, or afresh. */
  get startedFrom(): 'memory' | 'file' | 'fresh' | null {
    return this.from;
  }

  get udfCount(): number {
    return this.udfs.size;
  }

  /** Loads a UDF; resolves to its id, or rejects with a plain message naming the problem. */
  load(spec: PythonUdfSpec): Promise<number> {
    return this.serial(async () => {
      await this.start();
      await this.sync(spec.dir);
      const udfId = this.nextUdfId++;
      const problem = await this.loadInWorker(udfId, spec);
      if (problem !== null) throw new Error(problem);
      this.udfs.set(udfId, spec);
      return udfId;
    });
  }

  /** null when the function loads, else the problem. */
  check(spec: PythonUdfSpec): Promise<string | null> {
    return this.serial(async () => {
      await this.start();
      await this.sync(spec.dir);
      const { path, module, func } = spec;
      return this.loading(spec.path, () =>
        this.request({ op: 'check', path, module, func, limitMs: this.loadTimeoutMs }),
      );
    });
  }

  unload(udfId: number): Promise<void> {
    return this.serial(async () => {
      if (!this.udfs.delete(udfId)) return;
      this.broken.delete(udfId);
      if (this.udfs.size === 0) this.stop();
      else if (this.worker) await this.request({ op: 'unload', udfId });
    });
  }

  call(udfId: number, inputs: unknown[], timeoutMs: number): Promise<UdfBatchResult> {
    return this.serial(async () => {
      if (inputs.length === 0) return { outcomes: [], counters: {} };
      try {
        await this.start();
      } catch (e) {
        return failAll(
          inputs.length,
          udfError('Error', `the Python interpreter did not start: ${message(e)}`),
        );
      }
      const problem = this.broken.get(udfId);
      if (problem !== undefined) return failAll(inputs.length, udfError('ImportError', problem));
      return this.runBatch(udfId, inputs, timeoutMs);
    });
  }

  /** Terminates the interpreter; the next call starts a fresh one. */
  stop(): void {
    const worker = this.worker;
    this.worker = null;
    this.started = null;
    if (worker) void worker.terminate();
    this.rejectPending(new WorkerGone('crash', 'the Python interpreter was stopped'));
  }

  private async runBatch(udfId: number, inputs: unknown[], timeoutMs: number): Promise<UdfBatchResult> {
    const { payload, sent, unsendable } = encodeBatch(inputs, this.batch);
    let result: UdfBatchResult;
    try {
      const answer = await this.limited(timeoutMs, () =>
        this.send({ op: 'call', udfId, payload, limitMs: timeoutMs }),
      );
      const parsed = decodeBatch(
        answer.value as Uint8Array,
        sent.map((i) => inputs[i]),
      );
      // The interpreter's memory stays grown after a MemoryError: start afresh next batch.
      if (parsed.memoryError) this.stop();
      result = { outcomes: parsed.outcomes, counters: parsed.counters };
    } catch (e) {
      result = failAll(sent.length, this.batchFailure(e, timeoutMs));
    }
    if (unsendable.size === 0) return result;
    const outcomes: UdfOutcome[] = new Array(inputs.length);
    sent.forEach((index, i) => {
      outcomes[index] = result.outcomes[i] as UdfOutcome;
    });
    for (const [index, outcome] of unsendable) outcomes[index] = outcome;
    return { outcomes, counters: result.counters };
  }

  /**
   * Runs a request under a time limit: past it, Python gets a KeyboardInterrupt; if it has not
   * answered `graceMs` later, the worker is terminated and the request fails with WorkerGone.
   */
  private async limited<T>(limitMs: number, run: () => Promise<T>): Promise<T> {
    let hard: ReturnType<typeof setTimeout> | undefined;
    Atomics.store(this.interrupt, 0, 0);
    const soft = setTimeout(() => {
      Atomics.store(this.interrupt, 0, SIGINT);
      hard = setTimeout(() => {
        this.rejectPending(new WorkerGone('timeout', 'no answer to the interrupt'));
        this.stop();
      }, this.graceMs);
    }, limitMs);
    try {
      return await run();
    } finally {
      clearTimeout(soft);
      clearTimeout(hard);
      Atomics.store(this.interrupt, 0, 0);
    }
  }

  /** Importing runs the module's top-level code: it gets a time limit too. */
  private async loading(path: string, run: () => Promise<string | null>): Promise<string | null> {
    try {
      return await this.limited(this.loadTimeoutMs, run);
    } catch (e) {
      if (e instanceof WorkerGone && e.reason === 'timeout') {
        return `${path}: loading did not finish within ${this.loadTimeoutMs} ms (does the module's top-level code loop?)`;
      }
      throw e;
    }
  }

  private loadInWorker(udfId: number, { path, module, func, kind }: PythonUdfSpec): Promise<string | null> {
    return this.loading(path, () =>
      this.request({ op: 'load', udfId, path, module, func, kind, limitMs: this.loadTimeoutMs }),
    );
  }

  private batchFailure(e: unknown, timeoutMs: number): UdfOutcome {
    const limit = `the batch time limit (${timeoutMs} ms)`;
    if (e instanceof WorkerGone && e.reason === 'timeout') {
      return {
        ok: false,
        code: 'UDF_TIMEOUT',
        errorClass: 'TimeoutError',
        message: `the UDF ran past ${limit} and did not stop when interrupted; the Python interpreter was restarted`,
      };
    }
    if (e instanceof PythonFailure && e.interrupted) {
      return {
        ok: false,
        code: 'UDF_TIMEOUT',
        errorClass: 'TimeoutError',
        message: `the UDF ran past ${limit}`,
      };
    }
    // Anything else means the interpreter is in an unknown state: start afresh next batch.
    this.stop();
    if (e instanceof WorkerGone) return udfError('MemoryError', e.message);
    return udfError('Error', `the Python interpreter failed: ${message(e)}`);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private start(): Promise<void> {
    this.started ??= this.spawn().catch((e) => {
      this.stop();
      throw e;
    });
    return this.started;
  }

  private async spawn(): Promise<void> {
    const workerData: PythonWorkerData = {
      interrupt: this.interrupt.buffer as SharedArrayBuffer,
      memoryLimitMb: this.memoryLimitMb,
    };
    const worker = new Worker(WORKER_URL, {
      workerData,
      resourceLimits: {
        maxOldGenerationSizeMb: 512,
        // Python's heap is wasm memory, outside V8's: the thread's own JS garbage is small.
        maxYoungGenerationSizeMb: 8,
      },
    });
    worker.unref();
    this.worker = worker;
    worker.on('message', (res: PythonResponse) => {
      const waiter = this.pending.get(res.id);
      if (!waiter) return;
      this.pending.delete(res.id);
      if (this.pending.size === 0) worker.unref();
      if (res.ok) waiter.resolve(res);
      else waiter.reject(new PythonFailure(res.message, res.interrupted === true));
    });
    const gone = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.started = null;
      this.rejectPending(new WorkerGone('crash', why));
    };
    worker.on('error', (e) =>
      gone(
        (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? 'the Python interpreter ran out of memory and was restarted'
          : `the Python interpreter crashed: ${e.message}`,
      ),
    );
    worker.on('exit', () => gone('the Python interpreter exited unexpectedly and was restarted'));
    const started = await this.send({ op: 'init', snapshot, snapshotFile: this.snapshotFile ?? undefined });
    snapshot ??= started.snapshot;
    this.from = started.value as 'memory' | 'file' | 'fresh';
    this.broken.clear();
    for (const dir of this.dirs) await this.request({ op: 'sync', projectDir: this.projectDir, dir });
    for (const [udfId, spec] of this.udfs) {
      const problem = await this.loadInWorker(udfId, spec);
      // A module that loops at import even ignoring the interrupt got the worker terminated.
      if (this.worker !== worker) throw new Error(problem ?? 'the Python interpreter was stopped');
      if (problem !== null) this.broken.set(udfId, problem);
    }
  }

  private async sync(dir: string): Promise<void> {
    await this.request({ op: 'sync', projectDir: this.projectDir, dir });
    this.dirs.add(dir);
  }

  private async request(req: Request): Promise<string | null> {
    return (await this.send(req)).value as string | null;
  }

  private send(req: Request, transfer: ArrayBuffer[] = []): Promise<Answer> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new WorkerGone('crash', 'the Python interpreter is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...req, id }, transfer);
    });
  }

  private rejectPending(error: Error): void {
    const waiters = [...this.pending.values()];
    this.pending.clear();
    for (const waiter of waiters) waiter.reject(error);
  }
}

function udfError(errorClass: string, text: string): UdfOutcome {
  return { ok: false, code: 'UDF', errorClass, message: text };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The batch as one marshal list, in `writer`'s memory (valid until its next use). Inputs that
 * cannot be written (a cycle) get their error outcome here.
 */
export function encodeBatch(
  inputs: unknown[],
  writer = new MarshalWriter(),
): {
  payload: Uint8Array;
  sent: number[];
  unsendable: Map<number, UdfOutcome>;
} {
  const unsendable = new Map<number, UdfOutcome>();
  const sent: number[] = [];
  writer.reset();
  const list = writer.startList();
  for (let i = 0; i < inputs.length; i++) {
    try {
      writer.value(inputs[i]);
      sent.push(i);
    } catch (e) {
      unsendable.set(i, udfError('TypeError', `the record cannot be passed to Python: ${message(e)}`));
    }
  }
  writer.endList(list, sent.length);
  return { payload: writer.written(), sent, unsendable };
}

/** An outcome of the runner: see _outcome in python/weir_runner.py. */
type RawOutcome = 0 | null | string | Uint8Array | UdfOutcome;

function outcomeOf(raw: RawOutcome, input: unknown): UdfOutcome {
  if (raw === 0) return { ok: true, value: input };
  if (raw === null || typeof raw === 'string') return { ok: true, value: raw };
  if (!(raw instanceof Uint8Array)) return raw;
  try {
    return { ok: true, value: readMarshal(raw) };
  } catch (e) {
    if (!(e instanceof MarshalValueError)) throw e;
    return udfError(e.errorClass, `the returned value cannot be passed on: ${e.message}`);
  }
}

/**
 * Reads the runner's answer for the inputs that were sent. Outcome `0` means "the input,
 * unchanged": the input itself is the value, so an untouched record is never decoded again.
 */
export function decodeBatch(
  answer: Uint8Array,
  inputs: unknown[],
): UdfBatchResult & { memoryError: boolean } {
  const [raw, counters, memoryError] = readMarshal(answer, { bytes: true }) as [
    RawOutcome[],
    Record<string, number>,
    boolean,
  ];
  const outcomes = raw.map((o, i) => outcomeOf(o, inputs[i]));
  return { outcomes, counters, memoryError };
}
