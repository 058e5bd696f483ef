// The Pyodide interpreter of one Python UDF host, in its own thread so that the main side can
// interrupt a runaway UDF (Pyodide only checks its interrupt buffer from another thread's
// writes). Everything is loaded from node_modules/pyodide; the network is switched off.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { loadPyodide, type PyodideInterface } from 'pyodide';
import type { PythonRequest, PythonResponse, PythonWorkerData } from './python-protocol.ts';

const data = workerData as PythonWorkerData;
const port = parentPort;
if (!port) throw new Error('python-worker.ts must run as a worker thread');

const offline = () => Promise.reject(new Error('Python UDFs run offline: network access is disabled'));
globalThis.fetch = offline as typeof fetch;

// Pyodide's memory is exported by the wasm module (maximum 4 GiB), so cap it where Emscripten
// grows it: a failed grow makes malloc fail and Python raise MemoryError.
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(delta: number): number;
}
const wasm = (globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } }).WebAssembly;
const maxPages = data.memoryLimitMb * 16;
const grow = wasm.Memory.prototype.grow;
wasm.Memory.prototype.grow = function (this: WasmMemory, delta: number) {
  if (this.buffer.byteLength / 65536 + delta > maxPages) {
    throw new RangeError(`the Python UDF memory limit (${data.memoryLimitMb} MB) was reached`);
  }
  return grow.call(this, delta);
};

const PROJECT_ROOT = '/project';
const RUNTIME_FILES = ['weir.py', 'weir_runner.py'];
const SKIP_DIRS = new Set(['node_modules', '__pycache__']);
const MAX_DEPTH = 6;

type PyCallable = (...args: unknown[]) => unknown;
interface Runner {
  add_path: PyCallable;
  forget_project_modules: PyCallable;
  load: PyCallable;
  resolve: PyCallable;
  unload: PyCallable;
  call: PyCallable;
}

let pyodide: PyodideInterface | undefined;
let runner: Runner | undefined;
const interrupt = new Int32Array(data.interrupt);
/** Project file (interpreter path) → content last copied, to notice edits. */
const copied = new Map<string, string>();

const print = (line: string) => process.stderr.write(`[python udf] ${line}\n`);

type StartedFrom = 'memory' | 'file' | 'fresh';

function readSnapshot(file: string): Uint8Array | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Best effort, write-then-rename so that a reader never sees half a file; a failure costs only speed. */
function writeSnapshot(file: string, snapshot: Uint8Array): void {
  const tmp = `${file}.${process.pid}-${threadId}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, snapshot);
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** Copies the runtime modules in and imports weir_runner. */
function setUp(py: PyodideInterface): void {
  py.setInterruptBuffer(interrupt);
  py.FS.mkdirTree('/weir_runtime');
  for (const file of RUNTIME_FILES) {
    const source = readFileSync(new URL(`./python/${file}`, import.meta.url), 'utf8');
    py.FS.writeFile(`/weir_runtime/${file}`, source);
  }
  py.FS.mkdirTree(PROJECT_ROOT);
  py.runPython('import sys\nsys.path.insert(0, "/weir_runtime")\nsys.dont_write_bytecode = True');
  runner = py.pyimport('weir_runner') as unknown as Runner;
  pyodide = py;
}

/**
 * Starts the interpreter from `snapshot`, else from the snapshot file, else afresh (~4-6 s instead
 * of ~0.3 s); a fresh start makes a snapshot, writes it to the file and returns it.
 */
async function init(
  snapshot: Uint8Array | undefined,
  snapshotFile: string | undefined,
): Promise<{ made?: Uint8Array; from: StartedFrom }> {
  let from: StartedFrom = 'memory';
  if (!snapshot && snapshotFile) {
    snapshot = readSnapshot(snapshotFile);
    from = 'file';
  }
  if (snapshot) {
    // Snapshots are a private Pyodide API: if one does not load (or a stale file does not work),
    // start the ordinary way.
    try {
      setUp(await loadPyodide({ stdout: print, stderr: print, _loadSnapshot: snapshot }));
      return { from };
    } catch {
      runner = undefined;
      pyodide = undefined;
    }
  }
  const py = await loadPyodide({ stdout: print, stderr: print, _makeSnapshot: true });
  const made = py.makeMemorySnapshot();
  setUp(py);
  if (snapshotFile) writeSnapshot(snapshotFile, made);
  return { made, from: 'fresh' };
}

function pythonFiles(dir: string, depth: number, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory() && depth < MAX_DEPTH) pythonFiles(path, depth + 1, out);
    else if (entry.isFile() && entry.name.endsWith('.py')) out.push(path);
  }
}

function sync(projectDir: string, dir: string): void {
  const py = pyodide as PyodideInterface;
  const files: string[] = [];
  pythonFiles(join(projectDir, dir), 0, files);
  let changed = false;
  for (const file of files) {
    const target = `${PROJECT_ROOT}/${file.slice(projectDir.length + 1).replaceAll('\\', '/')}`;
    const content = readFileSync(file, 'utf8');
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

interface PyBytes {
  toJs(): Uint8Array;
  destroy(): void;
}

function handle(req: PythonRequest): string | Uint8Array | null {
  const py = runner as Runner;
  switch (req.op) {
    case 'init':
      return null;
    case 'sync':
      sync(req.projectDir, req.dir);
      return null;
    case 'load':
      return (
        (py.load(req.udfId, req.path, req.module, req.func, req.kind, req.limitMs) as string | undefined) ??
        null
      );
    case 'check': {
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
      const result = py.call(req.udfId, req.payload, req.limitMs) as PyBytes;
      try {
        return result.toJs();
      } finally {
        result.destroy();
      }
    }
  }
}

let ready: Promise<{ made?: Uint8Array; from: StartedFrom }> | undefined;

port.on('message', async (req: PythonRequest) => {
  let res: PythonResponse;
  try {
    if (req.op === 'init') {
      ready ??= init(req.snapshot, req.snapshotFile);
      const { made, from } = await ready;
      res = { id: req.id, ok: true, value: from, snapshot: made };
      port.postMessage(res);
      return;
    }
    await ready;
    const value = handle(req);
    res = { id: req.id, ok: true, value };
    if (value instanceof Uint8Array) {
      port.postMessage(res, [value.buffer as ArrayBuffer]);
      return;
    }
  } catch (e) {
    const err = e as Error & { type?: string };
    const interrupted = err.type === 'KeyboardInterrupt';
    res = { id: req.id, ok: false, message: err.message ?? String(e), interrupted };
  }
  port.postMessage(res);
});
