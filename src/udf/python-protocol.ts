// Messages between a Python UDF host (python-host.ts) and its sandbox process (python-sandbox.ts),
// over the child process's IPC channel (advanced serialization: Uint8Array travels as bytes).
// Every request carries an id; the sandbox answers each with that id. Batches go through the batch
// file (batch-file.ts), not the channel.

export type PythonRequest =
  /**
   * `snapshot`: a memory snapshot of a freshly started interpreter, to start in ~0.3 s instead of
   * ~2-6 s; without one the interpreter starts afresh and the answer carries a new snapshot.
   */
  | { id: number; op: 'init'; snapshot?: Uint8Array; memoryLimitMb: number }
  /** Copy these project files (path relative to the project → content) in and put `dir` on sys.path. */
  | { id: number; op: 'sync'; files: [string, string][]; dir: string }
  /** `limitMs`: the time limit for importing (the module's top-level code). */
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
   * The batch's inputs, one marshal list (see encodeBatch), are the first `bytes` of the batch
   * file; the answer's value is the length of the result written there. `limitMs`: per record.
   */
  | { id: number; op: 'call'; udfId: number; bytes: number; limitMs: number };

export type PythonResponse =
  /**
   * `value`: init: where the interpreter started from ('snapshot' | 'fresh'); load/check: a problem
   * message or null; call: the length of the batch result (marshal, see decodeBatch) in the batch file.
   */
  | { id: number; ok: true; value: string | number | null; snapshot?: Uint8Array }
  /** `fatal`: the interpreter cannot be used any more. */
  | { id: number; ok: false; message: string; fatal?: boolean }
  /**
   * Sent while Python runs (at most every BEAT_MS): `record` is the 1-based index of the record of
   * the current call being run (0: none). Silence or a record that never changes tells the host
   * that Python is stuck where interrupts do not reach.
   */
  | { id: number; beat: true; record: number };

export const BEAT_MS = 100;
