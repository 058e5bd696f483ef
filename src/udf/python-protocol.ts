// Messages between a Python UDF host (main side, python-host.ts) and its Pyodide worker
// (python-worker.ts). Every request carries an id; the worker answers each with that id.

export interface PythonWorkerData {
  /** Int32Array view, element 0: the main side writes 2 (SIGINT) to interrupt Python. */
  interrupt: SharedArrayBuffer;
  /** Cap on the interpreter's WebAssembly memory; beyond it Python raises MemoryError. */
  memoryLimitMb: number;
}

export type PythonRequest =
  /**
   * `snapshot`: a memory snapshot of a freshly started interpreter, to start in ~0.3 s instead of
   * ~4-6 s; without one, `snapshotFile` is read, or written after a fresh start. The answer's
   * `value` says where the interpreter started from: 'memory', 'file' or 'fresh'.
   */
  | { id: number; op: 'init'; snapshot?: Uint8Array; snapshotFile?: string }
  /** Copy the project's .py files under `dir` into the interpreter and put `dir` on sys.path. */
  | { id: number; op: 'sync'; projectDir: string; dir: string }
  /** `limitMs`: the time limit for importing, named in the message when it is exceeded. */
  | {
      id: number;
      op: 'load';
      udfId: number;
      path: string;
      module: string;
      func: string;
      kind: string;
      limitMs: number;
    }
  | { id: number; op: 'check'; path: string; module: string; func: string; limitMs: number }
  | { id: number; op: 'unload'; udfId: number }
  /**
   * `payload`: the batch's inputs as one marshal list (see encodeBatch in python-host.ts), in
   * shared memory that the host reuses for its next call.
   */
  | { id: number; op: 'call'; udfId: number; payload: Uint8Array; limitMs: number };

export type PythonResponse =
  /** `value`: for load/check a problem message or null; for call the batch result as marshal bytes (see decodeBatch). */
  | { id: number; ok: true; value: string | Uint8Array | null; snapshot?: Uint8Array }
  /** `interrupted`: Python stopped on the time-limit interrupt outside any record. */
  | { id: number; ok: false; message: string; interrupted?: boolean };
