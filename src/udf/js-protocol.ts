// Messages between a JS UDF host (js-host.ts) and its sandbox process (js-sandbox.ts), over the
// child process's IPC channel. Every request carries an id; the sandbox answers each with that id,
// one request at a time. A call's inputs and its result go through the batch file (batch-file.ts)
// in V8's serialization (node:v8 serialize: bigint, Date and bytes travel as they are).
import type { JsUdfSpec } from './js-runner.ts';

export type JsRequest =
  | { id: number; op: 'load'; udfId: number; spec: JsUdfSpec }
  | { id: number; op: 'unload'; udfId: number }
  /** The inputs (an array) are the first `bytes` of the batch file. */
  | { id: number; op: 'call'; udfId: number; bytes: number };

export type JsResponse =
  /** `bytes`: for a call, the length of its UdfBatchResult, written at the start of the batch file. */
  | { id: number; ok: true; bytes?: number }
  /** A load problem (shown to the user) or an unexpected failure of the sandbox's own code. */
  | { id: number; ok: false; message: string }
  /**
   * V8 lost an isolate while running record `record` (0-based in the call's inputs; -1: not in a
   * call); the sandbox exits right after sending this.
   */
  | { id: number; lost: string; record: number };
