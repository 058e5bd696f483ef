// The JS UDF runner: a function exported by an ES module in the project folder
// (`udf/file.js#fnName`, also .mjs/.ts), run in its own isolate (js-isolate.ts) with a time limit
// per record (udf.timeout_ms) and a memory cap (udf.memory_mb). A batch crosses into the isolate
// once; a record past the limit is stopped and fails alone, the batch goes on from the next record.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  call,
  isOutOfMemory,
  isTimeout,
  JS_EXTENSIONS,
  type LoadedIsolate,
  loadIsolate,
} from './js-isolate.ts';
import type { UdfBatchResult, UdfKind, UdfLoadOptions, UdfOutcome, UdfRunner } from './types.ts';

/** What a UDF receives as its second argument. */
export interface WeirApi {
  /** Adds `by` (default 1) to the user counter `name`. */
  count(name: string, by?: number): void;
}

const DEFAULT_TIMEOUT_MS = 1000;
const DEFAULT_MEMORY_MB = 512;

interface Limits {
  projectDir: string;
  file: string;
  timeoutMs: number;
  memoryMb: number;
}

/** Loads a JS UDF; throws a plain Error naming the problem when the file or function is missing. */
export async function loadJsUdf(ref: string, kind: UdfKind, opts: UdfLoadOptions): Promise<UdfRunner> {
  const hash = ref.lastIndexOf('#');
  if (hash <= 0 || hash === ref.length - 1) {
    throw new Error(`UDF reference "${ref}" must look like udf/file.js#functionName`);
  }
  const file = ref.slice(0, hash);
  const fnName = ref.slice(hash + 1);
  if (!JS_EXTENSIONS.includes(path.extname(file))) {
    throw new Error(`UDF reference "${ref}": a JS UDF file must end in ${JS_EXTENSIONS.join(', ')}`);
  }
  const abs = path.resolve(opts.projectDir, file);
  const rel = path.relative(path.resolve(opts.projectDir), abs).split(path.sep).join('/');
  try {
    if (rel.startsWith('..') || !(await stat(abs)).isFile()) throw new Error('not a file');
  } catch {
    throw new Error(`UDF file ${file} not found (looked for ${abs})`);
  }
  const limits: Limits = {
    projectDir: opts.projectDir,
    file: rel,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    memoryMb: opts.memoryMb ?? DEFAULT_MEMORY_MB,
  };
  const loaded = await load(file, fnName, limits);
  return new JsUdfRunner(kind, ref, fnName, limits, loaded);
}

async function load(file: string, fnName: string, limits: Limits): Promise<LoadedIsolate> {
  let loaded: LoadedIsolate;
  try {
    loaded = await loadIsolate(limits);
  } catch (e) {
    const err = e as Error;
    const what = isTimeout(e)
      ? `its top-level code did not finish within ${Math.max(limits.timeoutMs, 1000)} ms`
      : `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
    throw new Error(`${file} could not be loaded: ${what}`, { cause: e });
  }
  const kind = loaded.exports.find(([k]) => k === fnName)?.[1];
  if (kind !== 'function') {
    loaded.isolate.dispose();
    const fns = loaded.exports.filter(([, t]) => t === 'function').map(([k]) => k);
    const has = fns.length > 0 ? `it exports: ${fns.join(', ')}` : 'it exports no functions';
    if (kind === undefined) throw new Error(`${file} has no exported function "${fnName}" (${has})`);
    throw new Error(`${file} exports "${fnName}" but it is a ${kind}, not a function (${has})`);
  }
  await call(loaded.runner, 'use', [fnName]);
  return loaded;
}

type Raw = [1, unknown] | [0, string | null, string, string] | [2] | undefined;

class JsUdfRunner implements UdfRunner {
  readonly kind: UdfKind;
  readonly ref: string;
  readonly #fnName: string;
  readonly #limits: Limits;
  #loaded: LoadedIsolate | undefined;

  constructor(kind: UdfKind, ref: string, fnName: string, limits: Limits, loaded: LoadedIsolate) {
    this.kind = kind;
    this.ref = ref;
    this.#fnName = fnName;
    this.#limits = limits;
    this.#loaded = loaded;
  }

  async call(inputs: unknown[]): Promise<UdfBatchResult> {
    if (inputs.length === 0) return { outcomes: [], counters: {} };
    const loaded = await this.#isolate();
    try {
      return await this.#batch(loaded, inputs);
    } catch (e) {
      if (!isOutOfMemory(e, loaded.isolate)) throw e;
    }
    // Out of memory: which record did it is unknown, so the batch runs again one record per call in
    // a fresh isolate; only a record that runs out of memory alone fails.
    return this.#oneByOne(inputs);
  }

  async close(): Promise<void> {
    const loaded = this.#loaded;
    this.#loaded = undefined;
    if (loaded && !loaded.isolate.isDisposed) loaded.isolate.dispose();
  }

  async #isolate(): Promise<LoadedIsolate> {
    if (!this.#loaded || this.#loaded.isolate.isDisposed) {
      this.#loaded = await load(this.#limits.file, this.#fnName, this.#limits);
    }
    return this.#loaded;
  }

  async #batch(loaded: LoadedIsolate, inputs: unknown[]): Promise<UdfBatchResult> {
    const { runner } = loaded;
    await call(runner, 'begin', [inputs]);
    const timedOut = new Set<number>();
    for (let from = 0; from < inputs.length; ) {
      try {
        await call(runner, 'run', [from], { timeout: this.#limits.timeoutMs });
        break;
      } catch (e) {
        if (!isTimeout(e)) throw e;
        // The limit is per record: only a record that had the whole call to itself ran past it.
        const at = (await call(runner, 'current', [], { copy: true })) as number;
        if (at === from) timedOut.add(at);
        from = at === from ? at + 1 : at;
      }
    }
    const { raws, counters } = await this.#collect(runner, inputs.length);
    return {
      outcomes: raws.map((raw, i) => (timedOut.has(i) ? this.#timeout() : this.#outcome(raw))),
      counters,
    };
  }

  async #oneByOne(inputs: unknown[]): Promise<UdfBatchResult> {
    const outcomes: UdfOutcome[] = [];
    const counters: Record<string, number> = {};
    for (const input of inputs) {
      const loaded = await this.#isolate();
      try {
        await call(loaded.runner, 'begin', [[input]]);
        await call(loaded.runner, 'run', [0], { timeout: this.#limits.timeoutMs });
        const one = await this.#collect(loaded.runner, 1);
        outcomes.push(this.#outcome(one.raws[0]));
        for (const [k, v] of Object.entries(one.counters)) counters[k] = (counters[k] ?? 0) + v;
      } catch (e) {
        if (isTimeout(e)) outcomes.push(this.#timeout());
        else if (isOutOfMemory(e, loaded.isolate)) {
          if (!loaded.isolate.isDisposed) loaded.isolate.dispose();
          outcomes.push({
            ok: false,
            code: 'UDF',
            errorClass: 'MemoryError',
            message: `${this.ref} used more than its memory limit (udf.memory_mb = ${this.#limits.memoryMb} MB) on this record; the UDF was restarted`,
          });
        } else throw e;
      }
    }
    return { outcomes, counters };
  }

  /** The outcomes and counters; values that cannot leave the isolate (functions, symbols) fail alone. */
  async #collect(
    runner: LoadedIsolate['runner'],
    n: number,
  ): Promise<{ raws: (Raw | 'uncopyable')[]; counters: Record<string, number> }> {
    try {
      const r = (await call(runner, 'collect', [], { copy: true })) as {
        outcomes: Raw[];
        counters: Record<string, number>;
      };
      return { raws: Array.from({ length: n }, (_, i) => r.outcomes[i]), counters: r.counters };
    } catch {
      const raws: (Raw | 'uncopyable')[] = [];
      for (let i = 0; i < n; i++) {
        try {
          raws.push((await call(runner, 'collectOne', [i], { copy: true })) as Raw);
        } catch {
          raws.push('uncopyable');
        }
      }
      const { counters } = (await call(runner, 'collect', [], { copy: true }).catch(() => ({}))) as {
        counters?: Record<string, number>;
      };
      return { raws, counters: counters ?? {} };
    }
  }

  #outcome(raw: Raw | 'uncopyable'): UdfOutcome {
    if (raw === 'uncopyable') {
      return this.#wrongType(
        'a value holding a function or symbol',
        this.kind === 'preprocess' ? 'a preprocess UDF returns a string' : 'rows hold data only',
      );
    }
    if (raw === undefined) return this.#timeout();
    if (raw[0] === 1) return this.#check(raw[1]);
    if (raw[0] === 2) {
      return {
        ok: false,
        code: 'UDF_TIMEOUT',
        errorClass: 'TimeoutError',
        message: `${this.ref} returned a promise that never settled (a JS UDF has no timers, files or network, so it can only await its own promises)`,
      };
    }
    const [, errorClass, message, stack] = raw;
    if (errorClass === null) {
      return {
        ok: false,
        code: 'UDF',
        errorClass: 'Error',
        message: `${this.ref} threw ${message}: ${stack}`,
      };
    }
    const trace = this.#traceLine(stack);
    return { ok: false, code: 'UDF', errorClass, message, ...(trace === undefined ? {} : { trace }) };
  }

  #timeout(): UdfOutcome {
    return {
      ok: false,
      code: 'UDF_TIMEOUT',
      errorClass: 'TimeoutError',
      message: `${this.ref} ran past its time limit of ${this.#limits.timeoutMs} ms (udf.timeout_ms) on this record and was stopped`,
    };
  }

  #check(value: unknown): UdfOutcome {
    if (value === undefined || value === null) return { ok: true, value: null };
    if (this.kind === 'preprocess') {
      if (typeof value === 'string') return { ok: true, value };
      return this.#wrongType(value, 'a preprocess UDF returns a string, or null to drop the line');
    }
    const expected = 'a postprocess UDF returns a record (object), null to drop it, or an array of records';
    if (Array.isArray(value)) {
      const bad = value.find((v) => !isRecord(v));
      return bad === undefined ? { ok: true, value } : this.#wrongType(bad, expected, 'an array holding ');
    }
    return isRecord(value) ? { ok: true, value } : this.#wrongType(value, expected);
  }

  #wrongType(value: unknown, expected: string, lead = ''): UdfOutcome {
    const what =
      typeof value === 'string' && lead === '' && value.startsWith('a value') ? value : describe(value);
    return {
      ok: false,
      code: 'UDF',
      errorClass: 'TypeError',
      message: `${this.ref} returned ${lead}${what}; ${expected}`,
    };
  }

  /** The first stack frame inside the user's file, with the path shown relative to the project. */
  #traceLine(stack: string): string | undefined {
    const file = this.#limits.file;
    for (const raw of stack.split('\n')) {
      const line = raw.trim();
      if (line.startsWith('at ') && (line.includes(`(${file}:`) || line.startsWith(`at ${file}:`)))
        return line;
    }
    return undefined;
  }
}

function isRecord(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `a ${v.constructor?.name ?? 'object'}`;
  return `a ${typeof v}`;
}
