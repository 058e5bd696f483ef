// One JS UDF in its isolate (js-isolate.ts), with a time limit per record (udf.timeout_ms) and a
// memory cap (udf.memory_mb). It runs inside the JS sandbox process (js-sandbox.ts), never in the
// job's own process. A batch crosses into the isolate once; a record past the limit is stopped and
// fails alone, the batch goes on from the next record.
import { call, isOutOfMemory, isTimeout, type LoadedIsolate, loadIsolate } from './js-isolate.ts';
import type { UdfBatchResult, UdfKind, UdfOutcome } from './types.ts';

export interface JsUdfSpec {
  /** e.g. `udf/file.js#fnName` */
  ref: string;
  kind: UdfKind;
  /** Path relative to the project, with / separators. */
  file: string;
  fnName: string;
  projectDir: string;
  timeoutMs: number;
  memoryMb: number;
}

type Limits = Pick<JsUdfSpec, 'projectDir' | 'file' | 'timeoutMs' | 'memoryMb'> & {
  /** Called when V8 loses an isolate (a fatal out-of-memory); the process must end. */
  onLost: (message: string) => void;
};

/** Compiles the UDF into a fresh isolate; throws a plain Error naming the problem. */
export async function openJsUdf(spec: JsUdfSpec, onLost: (message: string) => void): Promise<JsUdf> {
  const limits: Limits = { ...spec, onLost };
  const loaded = await load(spec.file, spec.fnName, limits);
  return new JsUdf(spec.kind, spec.ref, spec.fnName, limits, loaded);
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

export class JsUdf {
  readonly kind: UdfKind;
  readonly ref: string;
  readonly #fnName: string;
  readonly #limits: Limits;
  #loaded: LoadedIsolate | undefined;
  /** Where the isolate's current batch starts in the inputs of the current call. */
  #base = 0;

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

  /** The index (in the current call's inputs) of the record being run or last run. */
  position(): number {
    const progress = this.#loaded?.progress[0] ?? 0;
    return this.#base + Math.max(progress - 1, 0);
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
    this.#base = 0;
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
    for (const [i, input] of inputs.entries()) {
      const loaded = await this.#isolate();
      this.#base = i;
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
