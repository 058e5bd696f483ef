// A JS UDF's sandbox: its own V8 isolate (isolated-vm), so the UDF has the JavaScript language and
// the project's own files (relative imports), and nothing of the host: no require, process, modules,
// timers, files or network, and its own Object.prototype. Memory is capped per isolate; every call
// into it has a time limit.
import { readFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import ivm from 'isolated-vm';
import { JS_EXTENSIONS } from './ref.ts';

/** Runs inside the isolate: the batch loop, so a batch crosses the boundary once each way. */
const RUNNER = `
(() => {
  const ns = globalThis.__weir_ns;
  const progress = new Int32Array(globalThis.__weir_progress);
  delete globalThis.__weir_ns;
  delete globalThis.__weir_progress;
  let fn, inputs = [], outcomes = [], counters = Object.create(null), current = 0;
  const PENDING = 2;
  const weir = Object.freeze({
    count(name, by = 1) {
      if (typeof name !== 'string' || name === '')
        throw new TypeError('weir.count(name, by): name must be a non-empty string');
      if (typeof by !== 'number' || !Number.isFinite(by))
        throw new TypeError('weir.count("' + name + '", by): by must be a finite number');
      counters[name] = (counters[name] ?? 0) + by;
    },
  });
  const text = (f) => { try { const v = f(); return v === undefined ? undefined : String(v); } catch { return undefined; } };
  const failure = (e) => {
    if (e instanceof Error) return [0, text(() => e.name) ?? 'Error', text(() => e.message) ?? '', text(() => e.stack) ?? ''];
    const kind = e === null ? 'null' : Array.isArray(e) ? 'an array' : typeof e === 'object' ? 'an object' : 'a ' + typeof e;
    return [0, null, kind, text(() => e) ?? '(unprintable)'];
  };
  return {
    exports: () => Object.keys(ns).map((k) => [k, typeof ns[k]]),
    use: (name) => { fn = ns[name]; },
    begin: (batch) => { inputs = batch; outcomes = new Array(batch.length); counters = Object.create(null); current = 0; },
    run: (from) => {
      for (let i = from; i < inputs.length; i++) {
        current = i;
        progress[0] = i + 1;
        let v;
        try {
          v = fn(inputs[i], weir);
        } catch (e) {
          outcomes[i] = failure(e);
          continue;
        }
        if (v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function') {
          outcomes[i] = [PENDING];
          Promise.resolve(v).then((x) => { outcomes[i] = [1, x]; }, (e) => { outcomes[i] = failure(e); });
        } else outcomes[i] = [1, v];
      }
      current = inputs.length;
    },
    current: () => current,
    collect: () => ({ outcomes, counters: { ...counters } }),
    collectOne: (i) => outcomes[i],
  };
})()
`;

export type IsolateOutcome =
  | [1, unknown]
  | [0, string | null, string, string] // class (null: not an Error), message or kind, stack or text
  | [2] // a promise still pending
  | ['timeout']
  | ['memory']
  | ['uncopyable', string];

export interface LoadedIsolate {
  isolate: ivm.Isolate;
  /** [0]: the 1-based index in the isolate's batch of the record being run (0: none yet), shared with the isolate. */
  progress: Int32Array;
  runner: ivm.Reference<Record<string, (...a: unknown[]) => unknown>>;
  exports: [string, string][];
}

function withoutTypes(file: string, code: string): string {
  if (!file.endsWith('.ts') && !file.endsWith('.mts')) return code;
  // Node marks stripTypeScriptTypes experimental and warns on every process; the API is what its
  // own loader uses for .ts files, so the warning is not for users.
  const emit = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return stripTypeScriptTypes(code, { mode: 'strip' });
  } finally {
    process.emitWarning = emit;
  }
}

/** Compiles the UDF file (and the project files it imports) into a fresh isolate. */
export async function loadIsolate(opts: {
  projectDir: string;
  file: string;
  memoryMb: number;
  timeoutMs: number;
  /** V8 lost the isolate (some allocations end in its fatal out-of-memory path, not in an error). */
  onLost: (message: string) => void;
}): Promise<LoadedIsolate> {
  const isolate = new ivm.Isolate({
    memoryLimit: Math.max(8, opts.memoryMb),
    onCatastrophicError: opts.onLost,
  });
  const progress = new Int32Array(new SharedArrayBuffer(4));
  try {
    const context = await isolate.createContext();
    const root = path.resolve(opts.projectDir);
    const compiled = new Map<string, Promise<ivm.Module>>();
    const names = new Map<ivm.Module, string>();
    const compile = (rel: string): Promise<ivm.Module> => {
      let m = compiled.get(rel);
      if (!m) {
        m = readFile(path.join(root, rel), 'utf8')
          .then((code) => isolate.compileModule(withoutTypes(rel, code), { filename: rel }))
          .then((mod) => {
            names.set(mod, rel);
            return mod;
          });
        compiled.set(rel, m);
      }
      return m;
    };
    const main = await compile(opts.file);
    // Called for every import in the graph, direct or not.
    await main.instantiate(context, (specifier, referrer) => {
      const from = names.get(referrer) ?? opts.file;
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
        throw new Error(
          `${from} imports "${specifier}": a JS UDF runs in a sandbox and can import only the project's own ` +
            'files (paths starting with ./ or ../), not Node modules or packages',
        );
      }
      const rel = path.relative(root, path.resolve(root, path.dirname(from), specifier));
      if (rel.startsWith('..') || path.isAbsolute(rel) || !JS_EXTENSIONS.includes(path.extname(rel))) {
        throw new Error(
          `${from} imports "${specifier}", which is not a .js/.mjs/.ts file inside the project folder`,
        );
      }
      return compile(rel);
    });
    await main.evaluate({ timeout: Math.max(opts.timeoutMs, 1000) });
    await context.global.set('__weir_ns', main.namespace.derefInto());
    await context.global.set('__weir_progress', new ivm.ExternalCopy(progress.buffer).copyInto());
    const runner = (await context.eval(RUNNER, { reference: true })) as LoadedIsolate['runner'];
    const exportsList = (await call(runner, 'exports', [], { copy: true })) as [string, string][];
    return { isolate, progress, runner, exports: exportsList };
  } catch (e) {
    if (!isolate.isDisposed) isolate.dispose();
    throw e;
  }
}

/** Calls a runner method inside the isolate. */
export async function call(
  runner: LoadedIsolate['runner'],
  method: string,
  args: unknown[],
  opts: { copy?: boolean; timeout?: number } = {},
): Promise<unknown> {
  const fn = (await runner.get(method, { reference: true })) as unknown as ivm.Reference<
    (...a: unknown[]) => unknown
  >;
  return fn.apply(undefined, args, {
    arguments: { copy: true },
    ...(opts.timeout === undefined ? {} : { timeout: opts.timeout }),
    result: opts.copy ? { copy: true } : { promise: false },
  });
}

export function isTimeout(e: unknown): boolean {
  return e instanceof Error && /Script execution timed out/.test(e.message);
}

export function isOutOfMemory(e: unknown, isolate: ivm.Isolate): boolean {
  return isolate.isDisposed || (e instanceof Error && /memory limit/.test(e.message));
}
