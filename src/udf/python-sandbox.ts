// The Pyodide interpreter of one Python UDF host, in a process of its own: the sandbox boundary.
// python-host.ts starts it with Node's permission model (no file writing, reading only Pyodide and
// this folder, no child processes, workers or native addons), without code generation from
// strings, and in new network and PID namespaces (`unshare`) where Linux allows it: whatever
// route to JS a UDF finds, it cannot write or read the host's files, start programs, reach the
// network or signal other processes. Python itself refuses those with plain errors
// (python/weir_sandbox.py). The project's UDF files arrive as messages; nothing of the project is
// read from disk here.
//
// Time limits: Python checks for interrupts every few dozen bytecodes by reading element 0 of its
// interrupt buffer; here that buffer is an object whose getter compares the clock with the start of
// the record being run (which the runner stores in its memory), so a record that runs past its
// limit gets a KeyboardInterrupt without a second thread. The same getter sends the host a beat.
import { constants as fsConstants, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { BATCH_FD, readBatch, writeBatch } from './batch-file.ts';
import { BEAT_MS, type PythonRequest, type PythonResponse } from './python-protocol.ts';

// Pyodide's NODEFS asks process.binding for the fs constants, and the permission model forbids
// process.binding: hand it the constants (and nothing else).
(process as unknown as { binding: (name: string) => unknown }).binding = (name) => {
  if (name === 'constants') return { fs: fsConstants, os: osConstants };
  throw new Error(`process.binding("${name}") is not available in the UDF sandbox`);
};

const { loadPyodide } = await import('pyodide');
type PyodideInterface = Awaited<ReturnType<typeof loadPyodide>>;

const send = (res: PythonResponse) => process.send?.(res);

// The host going away (its process ended or it closed the channel) ends this process.
process.on('disconnect', () => process.exit(0));
const parent = process.ppid;

const PROJECT_ROOT = '/project';
const RUNTIME_FILES = ['weir.py', 'weir_runner.py', 'weir_sandbox.py'];

type PyCallable = (...args: unknown[]) => unknown;
interface Runner {
  add_path: PyCallable;
  forget_project_modules: PyCallable;
  load: PyCallable;
  resolve: PyCallable;
  unload: PyCallable;
  call: PyCallable;
  progress_address: () => number;
}

let pyodide: PyodideInterface | undefined;
let runner: Runner | undefined;
/** Project file (interpreter path) → content last copied, to notice edits. */
const copied = new Map<string, string>();

const print = (line: string) => process.stderr.write(`[python udf] ${line}\n`);

// --- the clock behind the interrupt buffer ---------------------------------------------------
let heap: () => Int32Array;
let progressAt = 0;
/** Set while a request runs: its id, its time limit and whether index 0 (no record) is limited. */
let running: { id: number; limitMs: number; wholeRequest: boolean } | null = null;
let current = -1;
let since = 0;
/** The record the interrupt was last raised for: once per record (a swallowed one is the host's to handle). */
let fired = -1;
let lastBeat = 0;

const interruptBuffer = {
  get 0(): number {
    const r = running;
    if (r === null) return 0;
    const memory = heap();
    const record = memory[progressAt]!;
    const now = performance.now();
    if (now - lastBeat >= BEAT_MS) {
      lastBeat = now;
      // Adopted by another process: the host is gone (the channel's end is not noticed while busy).
      if (process.ppid !== parent) process.exit(0);
      send({ id: r.id, beat: true, record });
    }
    if (record !== current) {
      current = record;
      since = now;
      return 0;
    }
    if ((record === 0 && !r.wholeRequest) || fired === record || now - since <= r.limitMs) return 0;
    fired = record;
    memory[progressAt + 1] = record; // the record the interrupt is for (read by the runner)
    return 2; // SIGINT
  },
  set 0(_: number) {},
};

function arm(id: number, limitMs: number, wholeRequest: boolean): void {
  running = { id, limitMs, wholeRequest };
  current = heap()[progressAt]!;
  since = performance.now();
  fired = -1;
  lastBeat = Number.NEGATIVE_INFINITY;
}

// --- the memory cap --------------------------------------------------------------------------
// Pyodide's memory is exported by the wasm module (maximum 4 GiB), so cap it where Emscripten
// grows it: a failed grow makes malloc fail and Python raise MemoryError.
function capMemory(limitMb: number): void {
  interface WasmMemory {
    buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  const wasm = (globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } }).WebAssembly;
  const memory = wasm.Memory.prototype;
  const grow = memory.grow;
  const maxPages = limitMb * 16;
  memory.grow = function (this: WasmMemory, delta: number) {
    if (this.buffer.byteLength / 65536 + delta > maxPages) {
      throw new RangeError(`the Python UDF memory limit (${limitMb} MB) was reached`);
    }
    return grow.call(this, delta);
  };
}

/** Copies the runtime modules in, imports weir_runner and closes the sandbox's Python side. */
function setUp(py: PyodideInterface): void {
  py.FS.mkdirTree('/weir_runtime');
  for (const file of RUNTIME_FILES) {
    py.FS.writeFile(
      `/weir_runtime/${file}`,
      readFileSync(new URL(`./python/${file}`, import.meta.url), 'utf8'),
    );
  }
  py.FS.mkdirTree(PROJECT_ROOT);
  py.runPython('import sys\nsys.path.insert(0, "/weir_runtime")\nsys.dont_write_bytecode = True');
  runner = py.pyimport('weir_runner') as unknown as Runner;
  const module = (py as unknown as { _module: { HEAP32: Int32Array } })._module;
  heap = () => module.HEAP32;
  progressAt = runner.progress_address() >> 2;
  py.setInterruptBuffer(interruptBuffer as unknown as Int32Array);
  py.unregisterJsModule('pyodide_js');
  (py.pyimport('weir_sandbox') as unknown as { install: () => void }).install();
  pyodide = py;
}

async function init(
  snapshot: Uint8Array | undefined,
  memoryLimitMb: number,
): Promise<{ made?: Uint8Array; from: 'snapshot' | 'fresh' }> {
  capMemory(memoryLimitMb);
  // The `js` module is this object instead of the process's globals.
  const jsglobals = Object.create(null);
  const options = { stdout: print, stderr: print, jsglobals };
  // Pyodide reads the snapshot through 32-bit views: it must start aligned (a Buffer that came
  // over IPC may sit anywhere in its memory).
  if (snapshot && snapshot.byteOffset % 8 !== 0) snapshot = new Uint8Array(snapshot);
  if (snapshot) {
    // Snapshots are a private Pyodide API: if one does not load, start the ordinary way.
    try {
      setUp(await loadPyodide({ ...options, _loadSnapshot: snapshot } as never));
      return { from: 'snapshot' };
    } catch {
      runner = undefined;
      pyodide = undefined;
    }
  }
  const py = await loadPyodide({ ...options, _makeSnapshot: true } as never);
  const made = (py as unknown as { makeMemorySnapshot(): Uint8Array }).makeMemorySnapshot();
  setUp(py);
  return { made, from: 'fresh' };
}

function sync(files: [string, string][], dir: string): void {
  const py = pyodide as PyodideInterface;
  let changed = false;
  for (const [path, content] of files) {
    const target = `${PROJECT_ROOT}/${path}`;
    const before = copied.get(target);
    if (before === content) continue;
    if (before !== undefined) changed = true;
    py.FS.mkdirTree(target.slice(0, target.lastIndexOf('/')));
    py.FS.writeFile(target, content);
    copied.set(target, content);
  }
  if (changed) runner?.forget_project_modules();
  runner?.add_path(dir);
}

let batch = Buffer.allocUnsafe(1 << 20);

interface PyBytes {
  toJs(): Uint8Array;
  destroy(): void;
}

function handle(req: Exclude<PythonRequest, { op: 'init' }>): string | number | null {
  const py = runner as Runner;
  switch (req.op) {
    case 'sync':
      sync(req.files, req.dir);
      return null;
    case 'load':
      arm(req.id, req.limitMs, true);
      return (
        (py.load(req.udfId, req.path, req.module, req.func, req.kind, req.limitMs) as string | undefined) ??
        null
      );
    case 'check': {
      arm(req.id, req.limitMs, true);
      const pair = py.resolve(req.path, req.module, req.func, req.limitMs) as {
        toJs(): unknown[];
        destroy(): void;
      };
      const problem = pair.toJs()[1] as string | undefined;
      pair.destroy();
      return problem ?? null;
    }
    case 'unload':
      py.unload(req.udfId);
      return null;
    case 'call': {
      if (batch.length < req.bytes) batch = Buffer.allocUnsafe(Math.max(req.bytes, batch.length * 2));
      readBatch(BATCH_FD, req.bytes, batch);
      arm(req.id, req.limitMs, false);
      const result = py.call(
        req.udfId,
        new Uint8Array(batch.buffer, batch.byteOffset, req.bytes),
        req.limitMs,
      ) as PyBytes;
      let answer: Uint8Array;
      try {
        answer = result.toJs();
      } finally {
        result.destroy();
      }
      writeBatch(BATCH_FD, answer);
      return answer.length;
    }
  }
}

let ready: ReturnType<typeof init> | undefined;

process.on('message', async (req: PythonRequest) => {
  let res: PythonResponse;
  try {
    if (req.op === 'init') {
      ready ??= init(req.snapshot, req.memoryLimitMb);
      const { made, from } = await ready;
      res = { id: req.id, ok: true, value: from, ...(made ? { snapshot: made } : {}) };
    } else {
      await ready;
      res = { id: req.id, ok: true, value: handle(req) };
    }
  } catch (e) {
    const err = e as Error & { pyodide_fatal_error?: boolean };
    res = {
      id: req.id,
      ok: false,
      message: err?.message ?? String(e),
      fatal: err?.pyodide_fatal_error === true,
    };
  } finally {
    running = null;
  }
  send(res);
});
