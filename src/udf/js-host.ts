// The JS UDF sandbox process of one project in this thread (js-sandbox.ts), shared by the
// project's JS UDFs; requests go one at a time. The process holds the isolates, so that when V8
// loses one (some out-of-memory cases end that way, not in an error) only the sandbox ends, not
// the job. The sandbox then says which record was running: that record fails, and the other
// records of the batch run again in a fresh sandbox. When the sandbox ends without saying (or stops
// answering), the records are run again one by one until the one at fault fails.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { serializer } from '../core/serial.ts';
import { openBatchFile, readBatch, writeBatch } from './batch-file.ts';
import type { JsRequest, JsResponse } from './js-protocol.ts';
import type { JsUdfSpec } from './js-runner.ts';
import { sandboxEnv, sandboxPrefix } from './sandbox-process.ts';
import { BatchResults, type UdfBatchResult, type UdfOutcome } from './types.ts';

const SANDBOX = fileURLToPath(new URL('./js-sandbox.ts', import.meta.url));
/** Weir's own folder (its code and node_modules, isolated-vm among them): the sandbox reads only it and the project. */
const WEIR_ROOT = realpathSync(join(dirname(SANDBOX), '..', '..'));
/** Per batch: past this many lost sandboxes, its remaining records fail without being run. */
const MAX_RESTARTS = 10;
/** How long past the batch's own time limits the sandbox may take to answer before it is killed. */
const ANSWER_GRACE_MS = 10_000;

type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;
type Answer = Exclude<JsResponse, { lost: string }>;

/** The sandbox ended or stopped answering during a request; `record`: the one running (-1: unknown). */
class SandboxLost {
  readonly message: string;
  readonly record: number;
  constructor(message: string, record: number) {
    this.message = message;
    this.record = record;
  }
}

interface Waiter {
  resolve(res: Answer | SandboxLost): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Passes the sandbox's output on, but not the screens of heap statistics V8 prints when it loses
 * an isolate: the error record already says why.
 */
function forwardStderr(stream: Readable): void {
  const v8Report = /^(<--- .* --->|\[\d+:0x[0-9a-f]+\] +\d+ ms: |FATAL ERROR|\s*$)/;
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
    if (!v8Report.test(line)) process.stderr.write(`[js udf] ${line}\n`);
  });
}

export class JsHost {
  readonly projectDir: string;
  #child: ChildProcess | null = null;
  #waiter: Waiter | null = null;
  #nextId = 1;
  #nextUdfId = 1;
  readonly #serial = serializer();
  readonly #udfs = new Map<number, JsUdfSpec>();
  /** UDFs that could not be loaded again into a fresh sandbox, with the reason. */
  readonly #broken = new Map<number, string>();
  #restartsLeft = 0;
  #file: number | null = null;

  constructor(projectDir: string) {
    this.projectDir = projectDir;
  }

  /** Loads a UDF; resolves to its id, or rejects with a plain message naming the problem. */
  load(spec: JsUdfSpec): Promise<number> {
    return this.#serial(async () => {
      const udfId = this.#nextUdfId++;
      const res = (await this.#ensure()) ?? (await this.#load(udfId, spec));
      if (res instanceof SandboxLost) throw new Error(`${spec.file} could not be loaded: ${res.message}`);
      if (!res.ok) throw new Error(res.message);
      this.#udfs.set(udfId, spec);
      return udfId;
    });
  }

  call(udfId: number, inputs: unknown[]): Promise<UdfBatchResult> {
    return this.#serial(async () => {
      if (inputs.length === 0) return { outcomes: [], counters: {} };
      this.#restartsLeft = MAX_RESTARTS;
      return this.#runIsolated(udfId, inputs);
    });
  }

  unload(udfId: number): Promise<void> {
    return this.#serial(async () => {
      if (!this.#udfs.delete(udfId)) return;
      this.#broken.delete(udfId);
      if (this.#udfs.size > 0) {
        if (this.#child) await this.#request({ op: 'unload', udfId }, 0);
        return;
      }
      await this.stop();
      if (this.#file !== null) closeSync(this.#file);
      this.#file = null;
    });
  }

  #batchFile(): number {
    this.#file ??= openBatchFile();
    return this.#file;
  }

  /** Kills the sandbox (resolves once it is gone); the next request starts a fresh one. */
  stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    this.#settle(new SandboxLost('the JS UDF sandbox was stopped', -1));
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.ref(); // until it is gone
    child.kill('SIGKILL');
    return gone;
  }

  async #runIsolated(udfId: number, inputs: unknown[]): Promise<UdfBatchResult> {
    if (inputs.length === 0) return { outcomes: [], counters: {} };
    const first = await this.#attempt(udfId, inputs);
    if (!(first instanceof SandboxLost)) return first;
    const spec = this.#udfs.get(udfId) as JsUdfSpec;
    if (inputs.length === 1) return one(lostOutcome(spec, first));
    if (--this.#restartsLeft < 0) {
      const why = lostOutcome(spec, first);
      const outcome = {
        ...why,
        message: `not run: the JS UDF sandbox was restarted ${MAX_RESTARTS} times on this batch (last: ${why.message})`,
      };
      return { outcomes: inputs.map(() => outcome), counters: {} };
    }
    const total = new BatchResults();
    if (first.record >= 0 && first.record < inputs.length) {
      total.add(await this.#runIsolated(udfId, inputs.slice(0, first.record)));
      total.add(one(lostOutcome(spec, first)));
      total.add(await this.#runIsolated(udfId, inputs.slice(first.record + 1)));
      return total;
    }
    for (let i = 0; i < inputs.length; i++) {
      const single = await this.#attempt(udfId, [inputs[i]]);
      if (!(single instanceof SandboxLost)) {
        total.add(single);
        continue;
      }
      total.add(one(lostOutcome(spec, single)));
      total.add(await this.#runIsolated(udfId, inputs.slice(i + 1)));
      break;
    }
    return total;
  }

  async #attempt(udfId: number, inputs: unknown[]): Promise<UdfBatchResult | SandboxLost> {
    const spec = this.#udfs.get(udfId);
    if (!spec) throw new Error(`JS UDF ${udfId} is not loaded`);
    const lost = await this.#ensure();
    if (lost) return lost;
    const broken = this.#broken.get(udfId);
    if (broken !== undefined) {
      const outcome: UdfOutcome = { ok: false, code: 'UDF', errorClass: 'Error', message: broken };
      return { outcomes: inputs.map(() => outcome), counters: {} };
    }
    const payload = serialize(inputs);
    writeBatch(this.#batchFile(), payload);
    const res = await this.#request(
      { op: 'call', udfId, bytes: payload.length },
      inputs.length * spec.timeoutMs,
    );
    if (res instanceof SandboxLost) return res;
    if (!res.ok || res.bytes === undefined) {
      throw new Error(`the JS UDF sandbox failed: ${res.ok ? 'no result' : res.message}`);
    }
    return deserialize(readBatch(this.#batchFile(), res.bytes)) as UdfBatchResult;
  }

  /** A sandbox; a fresh one gets every UDF loaded again, and a UDF that no longer loads is marked broken. */
  async #ensure(): Promise<SandboxLost | undefined> {
    if (this.#child) return undefined;
    this.#child = this.#spawn();
    this.#broken.clear();
    for (const [udfId, spec] of this.#udfs) {
      const res = await this.#load(udfId, spec);
      if (res instanceof SandboxLost) return res;
      if (!res.ok) this.#broken.set(udfId, res.message);
    }
    return undefined;
  }

  #load(udfId: number, spec: JsUdfSpec): Promise<Answer | SandboxLost> {
    return this.#request({ op: 'load', udfId, spec }, Math.max(spec.timeoutMs, 1000));
  }

  #spawn(): ChildProcess {
    const { prefix } = sandboxPrefix();
    const [command, ...args] = [
      ...prefix,
      process.execPath,
      '--permission',
      '--allow-addons', // isolated-vm; the warning says addons can read past the permissions
      '--disable-warning=SecurityWarning',
      '--allow-fs-read=/etc/alpine-release', // node-gyp-build asks, to pick isolated-vm's binary
      `--allow-fs-read=${WEIR_ROOT}/`,
      `--allow-fs-read=${realpathSync(this.projectDir)}/`,
      SANDBOX,
    ];
    const child = spawn(command as string, args, {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc', this.#batchFile()], // the batch file is BATCH_FD
      serialization: 'advanced',
      env: sandboxEnv(),
      // Its own process group keeps a terminal's Ctrl-C for the job, which stops the sandbox itself.
      detached: true,
    });
    child.unref();
    child.channel?.unref();
    if (child.stderr) forwardStderr(child.stderr);
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    child.on('message', (res: JsResponse) => {
      if (this.#child !== child) return;
      if (!('lost' in res)) return this.#settle(res);
      this.#settle(new SandboxLost(res.lost, res.record));
      void this.stop();
    });
    const gone = (why: string) => {
      if (this.#child !== child) return;
      this.#child = null;
      this.#settle(new SandboxLost(why, -1));
    };
    child.on('error', (e) => gone(`the JS UDF sandbox could not run: ${e.message}`));
    child.on('exit', (code, signal) => gone(`the JS UDF sandbox ended (${signal ?? `code ${code}`})`));
    return child;
  }

  /** Sends a request; `limitMs`: the time limits it may use, past which (plus a grace) the sandbox is killed. */
  #request(req: WithoutId<JsRequest>, limitMs: number): Promise<Answer | SandboxLost> {
    const child = this.#child;
    if (!child) return Promise.resolve(new SandboxLost('the JS UDF sandbox is not running', -1));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#settle(
          new SandboxLost(`the JS UDF sandbox did not answer within ${limitMs + ANSWER_GRACE_MS} ms`, -1),
        );
        void this.stop();
      }, limitMs + ANSWER_GRACE_MS);
      this.#waiter = { resolve, timer };
      child.ref();
      child.channel?.ref();
      child.send({ ...req, id: this.#nextId++ });
    });
  }

  #settle(res: Answer | SandboxLost): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    this.#child?.unref();
    this.#child?.channel?.unref();
    if (!waiter) return;
    clearTimeout(waiter.timer);
    waiter.resolve(res);
  }
}

function lostOutcome(spec: JsUdfSpec, lost: SandboxLost): Extract<UdfOutcome, { ok: false }> {
  if (/memory/i.test(lost.message)) {
    return {
      ok: false,
      code: 'UDF',
      errorClass: 'MemoryError',
      message: `${spec.ref} used more than its memory limit (udf.memory_mb = ${spec.memoryMb} MB) on this record; the UDF was restarted`,
    };
  }
  return {
    ok: false,
    code: 'UDF',
    errorClass: 'Error',
    message: `${spec.ref} crashed its sandbox on this record (${lost.message}); the UDF was restarted`,
  };
}

function one(outcome: UdfOutcome): UdfBatchResult {
  return { outcomes: [outcome], counters: {} };
}
