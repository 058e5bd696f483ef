// The JS UDF runner: a function exported by an ES module in the project folder
// (`udf/file.js#fnName`, also .mjs/.ts), called in-process for each input of a batch.
//
// No time limit is applied to synchronous UDFs: JS runs on the job's own thread and cannot be
// pre-empted, so a UDF that loops forever blocks its worker (as any in-process code would).
// Promises returned by async UDFs are bounded by `timeoutMs` when given (→ UDF_TIMEOUT).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { UdfBatchResult, UdfKind, UdfLoadOptions, UdfOutcome, UdfRunner } from './types.ts';

/** What a UDF receives as its second argument. */
export interface WeirApi {
  /** Adds `by` (default 1) to the user counter `name`. */
  count(name: string, by?: number): void;
}

type UdfFunction = (input: unknown, weir: WeirApi) => unknown;

const EXTENSIONS = ['.js', '.mjs', '.ts', '.mts'];

/** Loads a JS UDF; throws a plain Error naming the problem when the file or function is missing. */
export async function loadJsUdf(ref: string, kind: UdfKind, opts: UdfLoadOptions): Promise<UdfRunner> {
  const hash = ref.lastIndexOf('#');
  if (hash <= 0 || hash === ref.length - 1) {
    throw new Error(`UDF reference "${ref}" must look like udf/file.js#functionName`);
  }
  const file = ref.slice(0, hash);
  const fnName = ref.slice(hash + 1);
  if (!EXTENSIONS.includes(path.extname(file))) {
    throw new Error(`UDF reference "${ref}": a JS UDF file must end in ${EXTENSIONS.join(', ')}`);
  }
  const abs = path.resolve(opts.projectDir, file);
  let mtime: number;
  try {
    const st = await stat(abs);
    if (!st.isFile()) throw new Error('not a file');
    mtime = st.mtimeMs;
  } catch {
    throw new Error(`UDF file ${file} not found (looked for ${abs})`);
  }
  const url = pathToFileURL(abs);
  // The query makes a changed file load anew on hot reload instead of hitting the module cache.
  url.search = `?v=${Math.trunc(mtime)}`;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url.href)) as Record<string, unknown>;
  } catch (e) {
    const err = e as Error;
    throw new Error(`${file} could not be loaded: ${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`, {
      cause: e,
    });
  }
  const fn = mod[fnName];
  if (typeof fn !== 'function') {
    const fns = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    const has = fns.length > 0 ? `it exports: ${fns.join(', ')}` : 'it exports no functions';
    if (fn === undefined) throw new Error(`${file} has no exported function "${fnName}" (${has})`);
    throw new Error(`${file} exports "${fnName}" but it is a ${typeof fn}, not a function (${has})`);
  }
  return new JsUdfRunner(kind, ref, file, abs, fn as UdfFunction, opts.timeoutMs);
}

class JsUdfRunner implements UdfRunner {
  readonly kind: UdfKind;
  readonly ref: string;
  readonly #file: string;
  readonly #abs: string;
  readonly #fn: UdfFunction;
  readonly #timeoutMs: number | undefined;

  constructor(kind: UdfKind, ref: string, file: string, abs: string, fn: UdfFunction, timeoutMs?: number) {
    this.kind = kind;
    this.ref = ref;
    this.#file = file;
    this.#abs = abs;
    this.#fn = fn;
    this.#timeoutMs = timeoutMs;
  }

  async call(inputs: unknown[]): Promise<UdfBatchResult> {
    const counters: Record<string, number> = Object.create(null);
    const weir: WeirApi = {
      count(name: string, by = 1) {
        if (typeof name !== 'string' || name === '')
          throw new TypeError('weir.count(name, by): name must be a non-empty string');
        if (typeof by !== 'number' || !Number.isFinite(by))
          throw new TypeError(`weir.count("${name}", by): by must be a finite number`);
        counters[name] = (counters[name] ?? 0) + by;
      },
    };
    const deadline = this.#timeoutMs === undefined ? undefined : Date.now() + this.#timeoutMs;
    const outcomes: UdfOutcome[] = [];
    const fn = this.#fn; // called as a plain function: the UDF must not see the runner as `this`
    for (const input of inputs) {
      let value: unknown;
      try {
        value = fn(input, weir);
        if (isThenable(value)) {
          const settled = await settleBy(value, deadline);
          if (settled === TIMED_OUT) {
            outcomes.push({
              ok: false,
              code: 'UDF_TIMEOUT',
              errorClass: 'TimeoutError',
              message: `${this.ref} did not finish within ${this.#timeoutMs} ms`,
            });
            continue;
          }
          value = settled;
        }
      } catch (e) {
        outcomes.push(this.#failure(e));
        continue;
      }
      outcomes.push(this.#check(value));
    }
    return { outcomes, counters: { ...counters } };
  }

  async close(): Promise<void> {}

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
    return {
      ok: false,
      code: 'UDF',
      errorClass: 'TypeError',
      message: `${this.ref} returned ${lead}${describe(value)}; ${expected}`,
    };
  }

  #failure(e: unknown): UdfOutcome {
    if (e instanceof Error) {
      const trace = this.#traceLine(e.stack);
      return {
        ok: false,
        code: 'UDF',
        errorClass: e.name || e.constructor?.name || 'Error',
        message: e.message,
        ...(trace === undefined ? {} : { trace }),
      };
    }
    return {
      ok: false,
      code: 'UDF',
      errorClass: 'Error',
      message: `${this.ref} threw ${describe(e)}: ${safeString(e)}`,
    };
  }

  /** The first stack frame inside the user's file, with the path shown relative to the project. */
  #traceLine(stack: string | undefined): string | undefined {
    if (!stack) return undefined;
    const href = pathToFileURL(this.#abs).href;
    for (const raw of stack.split('\n')) {
      const line = raw.trim();
      if (!line.startsWith('at ') || !(line.includes(href) || line.includes(this.#abs))) continue;
      return line
        .replace(/\?v=\d+/, '')
        .replace(href, this.#file)
        .replace(this.#abs, this.#file);
    }
    return undefined;
  }
}

const TIMED_OUT = Symbol('timed out');

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === 'object' || typeof v === 'function') &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

async function settleBy(p: PromiseLike<unknown>, deadline: number | undefined): Promise<unknown> {
  if (deadline === undefined) return await p;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
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

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return '(unprintable)';
  }
}
