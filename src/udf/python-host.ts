// One Pyodide interpreter, in a sandbox process of its own (python-sandbox.ts), shared by every
// Python UDF of a project in this thread. Calls are queued one at a time.
//
// Limits: each record gets `timeoutMs`; past it Python gets a KeyboardInterrupt and that record
// alone becomes UDF_TIMEOUT. The sandbox sends beats while Python runs: when they stop (Python is
// stuck in C code) or show one record for longer than the limit plus `graceMs` (the UDF swallowed
// the interrupt), the process is killed. Then, as when it crashes, the batch's records are run
// again in a fresh interpreter in smaller groups, down to single records, so that only the records
// that hang or crash fail.
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { closeSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { serializer } from '../core/serial.ts';
import { BATCH_FD, openBatchFile, readBatch, writeBatch } from './batch-file.ts';
import { MarshalValueError, MarshalWriter, readMarshal } from './marshal.ts';
import type { PythonRequest, PythonResponse } from './python-protocol.ts';
import { sandboxEnv, sandboxPrefix } from './sandbox-process.ts';
import { BatchResults, type UdfBatchResult, type UdfKind, type UdfOutcome } from './types.ts';

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
  /** Cap on the interpreter's memory; past it the UDF gets MemoryError. Default 512. */
  memoryLimitMb?: number;
  /**
   * How long past the time limit Python may go without answering the interrupt before the
   * sandbox is killed (the batch is then run again in smaller groups). Default 3000: on a busy
   * machine the sandbox can wait that long for a core.
   */
  graceMs?: number;
  /** Time limit for importing a UDF's module (its top-level code). Default 10000. */
  loadTimeoutMs?: number;
  /**
   * Where a memory snapshot of a fresh interpreter is kept between processes, so that a sandbox
   * starts Python in ~0.3 s instead of ~2-6 s; null: no file. Default: defaultSnapshotFile().
   */
  snapshotFile?: string | null;
}

/** node_modules/.cache/weir/pyodide-<version>-node<version>.snapshot, next to the pyodide package. */
export function defaultSnapshotFile(): string | null {
  try {
    const { version } = JSON.parse(readFileSync(join(PYODIDE_DIR, 'package.json'), 'utf8')) as {
      version: string;
    };
    const name = `pyodide-${version}-node${process.versions.node}.snapshot`;
    return join(PYODIDE_DIR, '..', '.cache', 'weir', name);
  } catch {
    return null;
  }
}

type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;
type Request = WithoutId<PythonRequest>;
type Answer = Extract<PythonResponse, { ok: true }>;

const SANDBOX = fileURLToPath(new URL('./python-sandbox.ts', import.meta.url));
const PYODIDE_DIR = dirname(fileURLToPath(import.meta.resolve('pyodide')));
/** Memory snapshot of a fresh interpreter, for hosts without a snapshot file: restarts take ~0.3 s. */
let snapshot: Uint8Array | undefined;
const SKIP_DIRS = new Set(['node_modules', '__pycache__']);
const MAX_DEPTH = 6;
const WATCH_MS = 250;
/**
 * Passes the sandbox's output (UDFs' print) on, but not the hundreds of lines of wasm stack that
 * Pyodide prints when it dies: the error record already says why.
 */
function forwardStderr(stream: Readable): void {
  let fatal = false;
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
    if (fatal) return;
    if (line.startsWith('Pyodide has suffered a fatal error')) {
      fatal = true;
      process.stderr.write(
        '[python udf] the Python interpreter crashed; it is restarted and the record fails\n',
      );
    } else process.stderr.write(`${line}\n`);
  });
}

/** Per batch: past this many hangs or crashes, its remaining records fail without being run. */
const MAX_RESTARTS = 10;

/** Why the sandbox stopped answering a request. `record`: the 1-based record it was last seen on (0: unknown). */
class SandboxGone extends Error {
  readonly reason: 'silent' | 'stuck' | 'crash';
  readonly record: number;
  constructor(reason: 'silent' | 'stuck' | 'crash', message: string, record = 0) {
    super(message);
    this.reason = reason;
    this.record = record;
  }
}

class PythonFailure extends Error {}

function failAll(n: number, outcome: UdfOutcome): UdfBatchResult {
  return { outcomes: Array.from({ length: n }, () => outcome), counters: {} };
}

// --- how the sandbox process is started ------------------------------------------------------

/** The sandbox-process prefix; without network isolation only when the user said so. */
function isolationPrefix(): string[] {
  const { prefix, namespaces, why } = sandboxPrefix();
  if (namespaces || process.env.WEIR_UDF_NETWORK_ISOLATION === 'off') return prefix;
  throw new Error(
    `Python UDFs run in a sandbox that needs Linux network namespaces (unshare --net), which this machine refused (${why}). ` +
      'Set WEIR_UDF_NETWORK_ISOLATION=off to run them without network isolation (writing files and starting programs stay blocked).',
  );
}

function sandboxCommand(): string[] {
  return [
    ...isolationPrefix(),
    process.execPath,
    '--permission',
    `--allow-fs-read=${dirname(SANDBOX)}/`,
    `--allow-fs-read=${PYODIDE_DIR}/`,
    '--disallow-code-generation-from-strings',
    '--max-old-space-size=128',
    '--max-semi-space-size=1',
    '--wasm-lazy-compilation',
    SANDBOX,
  ];
}

// ---------------------------------------------------------------------------------------------

interface Pending {
  resolve(answer: Answer): void;
  reject(e: Error): void;
  /** Per-record (call) or whole-request (load, check) time limit; undefined: not watched. */
  limitMs?: number;
  perRecord: boolean;
  heard: number;
  record: number;
  recordSince: number;
}

export class PythonHost {
  readonly projectDir: string;
  private readonly memoryLimitMb: number;
  private readonly graceMs: number;
  private readonly loadTimeoutMs: number;
  private readonly snapshotFile: string | null;
  private from: 'memory' | 'file' | 'fresh' | null = null;
  private child: ChildProcess | null = null;
  private file: number | null = null;
  /** Restarts the current batch may still cause (see runIsolated). */
  private restartsLeft = 0;
  /** Resolves once the current sandbox has the project's folders and UDFs loaded. */
  private started: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  private watch: ReturnType<typeof setInterval> | undefined;
  private nextId = 1;
  private nextUdfId = 1;
  private readonly serial = serializer();
  private readonly dirs = new Set<string>();
  private readonly udfs = new Map<number, PythonUdfSpec>();
  /** UDFs that could not be re-loaded into a recreated interpreter, with the reason. */
  private readonly broken = new Map<number, string>();
  /** Where batches are written, reused batch after batch (calls run one at a time). */
  private readonly batch = new MarshalWriter(1024 * 1024);

  constructor(projectDir: string, options: PythonHostOptions = {}) {
    this.projectDir = projectDir;
    this.memoryLimitMb = options.memoryLimitMb ?? 512;
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
      const problem = await this.loadInSandbox(udfId, spec);
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
      return this.loading(path, { op: 'check', path, module, func, limitMs: this.loadTimeoutMs });
    });
  }

  unload(udfId: number): Promise<void> {
    return this.serial(async () => {
      if (!this.udfs.delete(udfId)) return;
      this.broken.delete(udfId);
      if (this.udfs.size > 0) {
        if (this.child) await this.request({ op: 'unload', udfId });
        return;
      }
      await this.stop();
      if (this.file !== null) closeSync(this.file);
      this.file = null;
    });
  }

  /** Runs the UDF on every input; `timeoutMs` is the limit per record. */
  call(udfId: number, inputs: unknown[], timeoutMs: number): Promise<UdfBatchResult> {
    return this.serial(async () => {
      if (inputs.length === 0) return { outcomes: [], counters: {} };
      const { payload, sent, unsendable } = encodeBatch(inputs, this.batch);
      this.restartsLeft = MAX_RESTARTS;
      const result = await this.runIsolated(
        udfId,
        unsendable.size === 0 ? inputs : sent.map((i) => inputs[i]),
        timeoutMs,
        payload,
      );
      if (unsendable.size === 0) return result;
      const outcomes: UdfOutcome[] = new Array(inputs.length);
      sent.forEach((index, i) => {
        outcomes[index] = result.outcomes[i] as UdfOutcome;
      });
      for (const [index, outcome] of unsendable) outcomes[index] = outcome;
      return { outcomes, counters: result.counters };
    });
  }

  /** The batch file (batch-file.ts), opened on first use. */
  private batchFile(): number {
    this.file ??= openBatchFile();
    return this.file;
  }

  /** Kills the sandbox (resolves once it is gone); the next call starts a fresh one. */
  stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    this.started = null;
    this.rejectPending(new SandboxGone('crash', 'the Python interpreter was stopped'));
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.ref(); // until it is gone
    child.kill('SIGKILL');
    return gone;
  }

  /**
   * Runs `inputs` (all sendable); when the sandbox hangs or crashes, the records are run again in
   * a fresh interpreter so that only the records at fault fail.
   */
  private async runIsolated(
    udfId: number,
    inputs: unknown[],
    limitMs: number,
    payload?: Uint8Array,
  ): Promise<UdfBatchResult> {
    if (inputs.length === 0) return { outcomes: [], counters: {} };
    const first = await this.attempt(udfId, inputs, limitMs, payload);
    if (!(first instanceof SandboxGone)) return first;
    if (inputs.length === 1) return { outcomes: [this.goneOutcome(first, limitMs)], counters: {} };
    // A UDF that fails this way on every record would restart the interpreter for each one.
    if (--this.restartsLeft < 0) {
      const why = this.goneOutcome(first, limitMs) as Extract<UdfOutcome, { ok: false }>;
      return failAll(inputs.length, {
        ...why,
        message: `not run: the Python interpreter was restarted ${MAX_RESTARTS} times on this batch (last: ${why.message})`,
      });
    }
    // The records before the one last seen had finished: run them again as one batch. A record
    // seen for too long is the one at fault; otherwise it is the one last seen or a later one:
    // run those one by one until one fails again, then the rest as a batch.
    const seen = Math.min(Math.max(first.record - 1, 0), inputs.length - 1);
    const total = new BatchResults();
    total.add(await this.runIsolated(udfId, inputs.slice(0, seen), limitMs));
    if (first.reason === 'stuck') {
      total.add({ outcomes: [this.goneOutcome(first, limitMs)], counters: {} });
      total.add(await this.runIsolated(udfId, inputs.slice(seen + 1), limitMs));
      return total;
    }
    for (let i = seen; i < inputs.length; i++) {
      const one = await this.attempt(udfId, [inputs[i]], limitMs);
      if (!(one instanceof SandboxGone)) {
        total.add(one);
        continue;
      }
      total.add({ outcomes: [this.goneOutcome(one, limitMs)], counters: {} });
      total.add(await this.runIsolated(udfId, inputs.slice(i + 1), limitMs));
      break;
    }
    return total;
  }

  /** One call; a hung or crashed sandbox is killed (the next call starts a fresh one) and returned. */
  private async attempt(
    udfId: number,
    inputs: unknown[],
    limitMs: number,
    payload = encodeBatch(inputs, this.batch).payload,
  ): Promise<UdfBatchResult | SandboxGone> {
    try {
      await this.start();
    } catch (e) {
      return failAll(inputs.length, udfError('Error', `the Python interpreter did not start: ${message(e)}`));
    }
    const problem = this.broken.get(udfId);
    if (problem !== undefined) return failAll(inputs.length, udfError('ImportError', problem));
    let answer: Answer;
    try {
      writeBatch(this.batchFile(), payload);
      answer = await this.send({ op: 'call', udfId, bytes: payload.length, limitMs }, limitMs, true);
    } catch (e) {
      if (!(e instanceof SandboxGone || e instanceof PythonFailure)) throw e;
      void this.stop();
      return e instanceof SandboxGone ? e : new SandboxGone('crash', e.message);
    }
    const parsed = decodeBatch(readBatch(this.batchFile(), answer.value as number), inputs);
    // The interpreter's memory stays grown after a MemoryError: start afresh next batch.
    if (parsed.memoryError) void this.stop();
    return { outcomes: parsed.outcomes, counters: parsed.counters };
  }

  private goneOutcome(gone: SandboxGone, limitMs: number): UdfOutcome {
    if (gone.reason === 'crash')
      return udfError('Error', `the Python interpreter crashed on this record: ${gone.message}`);
    const where = gone.reason === 'stuck' ? '' : ' inside a built-in function';
    return {
      ok: false,
      code: 'UDF_TIMEOUT',
      errorClass: 'TimeoutError',
      message: `the UDF ran past its time limit of ${limitMs} ms on this record${where} and did not stop when interrupted; the Python interpreter was restarted`,
    };
  }

  /** Importing runs the module's top-level code: it has a time limit too. */
  private async loading(path: string, req: Request & { limitMs: number }): Promise<string | null> {
    try {
      return (await this.send(req, req.limitMs)).value as string | null;
    } catch (e) {
      if (e instanceof SandboxGone && e.reason !== 'crash') {
        void this.stop();
        return `${path}: loading did not finish within ${req.limitMs} ms (does the module's top-level code loop?)`;
      }
      throw e;
    }
  }

  private loadInSandbox(udfId: number, { path, module, func, kind }: PythonUdfSpec): Promise<string | null> {
    return this.loading(path, { op: 'load', udfId, path, module, func, kind, limitMs: this.loadTimeoutMs });
  }

  private start(): Promise<void> {
    this.started ??= this.spawn().catch((e) => {
      void this.stop();
      throw e;
    });
    return this.started;
  }

  private async spawn(): Promise<void> {
    const [command, ...args] = sandboxCommand();
    const stdio: (string | number)[] = ['ignore', 'ignore', 'pipe', 'ipc'];
    stdio[BATCH_FD] = this.batchFile();
    const child = spawn(command as string, args, {
      stdio: stdio as StdioOptions,
      serialization: 'advanced',
      // Its own process group keeps a terminal's Ctrl-C for the job, which stops the sandbox itself.
      env: sandboxEnv(),
      detached: true,
    });
    this.child = child;
    child.unref();
    child.channel?.unref();
    child.on('message', (res: PythonResponse) => this.answer(res));
    if (child.stderr) forwardStderr(child.stderr);
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = null;
      this.started = null;
      this.rejectPending(new SandboxGone('crash', why));
    };
    child.on('error', (e) => gone(`the Python sandbox could not run: ${e.message}`));
    child.on('exit', (code, signal) =>
      gone(`the Python interpreter exited unexpectedly (${signal ?? `code ${code}`}) and was restarted`),
    );
    // The file is read for each start rather than kept in memory (31 MB per thread); a snapshot
    // is kept in memory only when there is no file to write it to.
    const fromFile = this.snapshotFile ? readSnapshot(this.snapshotFile) : undefined;
    const given = fromFile ?? snapshot;
    const started = await this.send({
      op: 'init',
      ...(given ? { snapshot: given } : {}),
      memoryLimitMb: this.memoryLimitMb,
    });
    if (started.snapshot) {
      if (this.snapshotFile) writeSnapshot(this.snapshotFile, started.snapshot);
      else snapshot = started.snapshot;
    }
    this.from = started.value === 'fresh' ? 'fresh' : given === fromFile ? 'file' : 'memory';
    this.broken.clear();
    for (const dir of this.dirs) await this.request(this.syncRequest(dir));
    for (const [udfId, spec] of this.udfs) {
      const problem = await this.loadInSandbox(udfId, spec);
      // A module that loops at import even ignoring the interrupt got the sandbox killed.
      if (this.child !== child) throw new Error(problem ?? 'the Python interpreter was stopped');
      if (problem !== null) this.broken.set(udfId, problem);
    }
  }

  /** The project's .py files under `dir`, as the sandbox gets them (it reads nothing itself). */
  private syncRequest(dir: string): Request {
    const files: [string, string][] = [];
    const walk = (abs: string, depth: number) => {
      for (const entry of readdirSync(abs, { withFileTypes: true })) {
        if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
        const path = join(abs, entry.name);
        if (entry.isDirectory() && depth < MAX_DEPTH) walk(path, depth + 1);
        else if (entry.isFile() && entry.name.endsWith('.py')) {
          files.push([
            path.slice(this.projectDir.length + 1).replaceAll('\\', '/'),
            readFileSync(path, 'utf8'),
          ]);
        }
      }
    };
    walk(join(this.projectDir, dir), 0);
    return { op: 'sync', files, dir };
  }

  private async sync(dir: string): Promise<void> {
    await this.request(this.syncRequest(dir));
    this.dirs.add(dir);
  }

  private async request(req: Request): Promise<string | null> {
    return (await this.send(req)).value as string | null;
  }

  /** Sends a request; with `limitMs`, the sandbox is killed when it stops sending beats (see the top). */
  private send(req: Request, limitMs?: number, perRecord = false): Promise<Answer> {
    const child = this.child;
    if (!child) return Promise.reject(new SandboxGone('crash', 'the Python interpreter is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) {
        child.ref();
        child.channel?.ref();
      }
      const now = performance.now();
      this.pending.set(id, { resolve, reject, limitMs, perRecord, heard: now, record: 0, recordSince: now });
      if (limitMs !== undefined) this.watch ??= setInterval(() => this.checkPending(), WATCH_MS);
      child.send({ ...req, id });
    });
  }

  private answer(res: PythonResponse): void {
    const waiter = this.pending.get(res.id);
    if (!waiter) return;
    const now = performance.now();
    waiter.heard = now;
    if ('beat' in res) {
      if (res.record !== waiter.record && waiter.perRecord) {
        waiter.record = res.record;
        waiter.recordSince = now;
      }
      return;
    }
    this.settle(res.id);
    if (res.ok) waiter.resolve(res);
    else if (res.fatal) waiter.reject(new SandboxGone('crash', res.message, waiter.record));
    else waiter.reject(new PythonFailure(res.message));
  }

  private checkPending(): void {
    const now = performance.now();
    for (const [id, w] of this.pending) {
      if (w.limitMs === undefined) continue;
      const allowed = w.limitMs + this.graceMs;
      let gone: SandboxGone | undefined;
      if (now - w.heard > allowed) gone = new SandboxGone('silent', 'no beat from Python', w.record);
      else if ((w.record > 0 || !w.perRecord) && now - w.recordSince > allowed)
        gone = new SandboxGone('stuck', 'the interrupt was not obeyed', w.record);
      if (!gone) continue;
      this.settle(id);
      w.reject(gone);
      void this.stop();
      return;
    }
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size > 0) return;
    clearInterval(this.watch);
    this.watch = undefined;
    this.child?.unref();
    this.child?.channel?.unref();
  }

  private rejectPending(error: Error): void {
    const waiters = [...this.pending.values()];
    this.pending.clear();
    clearInterval(this.watch);
    this.watch = undefined;
    for (const waiter of waiters) waiter.reject(error);
  }
}

function readSnapshot(file: string): Uint8Array | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Best effort, write-then-rename so that a reader never sees half a file; a failure costs only speed. */
function writeSnapshot(file: string, data: Uint8Array): void {
  const tmp = `${file}.${process.pid}-${Date.now()}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
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
