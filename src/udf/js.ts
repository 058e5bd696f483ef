// JS UDFs: a function exported by an ES module in the project folder (`udf/file.js#fnName`, also
// .mjs/.ts), run in its own isolate with a time limit per record (udf.timeout_ms) and a memory cap
// (udf.memory_mb). The isolates live in a sandbox process, one per project in this thread, shared
// by the project's JS UDFs (js-host.ts).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { JsHost } from './js-host.ts';
import type { JsUdfSpec } from './js-runner.ts';
import { udfRef } from './ref.ts';
import type { UdfBatchResult, UdfKind, UdfLoadOptions, UdfRunner } from './types.ts';

/** What a UDF receives as its second argument. */
export interface WeirApi {
  /** Adds `by` (default 1) to the user counter `name`. */
  count(name: string, by?: number): void;
}

const DEFAULT_TIMEOUT_MS = 1000;
const DEFAULT_MEMORY_MB = 512;
const hosts = new Map<string, JsHost>();

/** Loads a JS UDF; throws a plain Error naming the problem when the file or function is missing. */
export async function loadJsUdf(ref: string, kind: UdfKind, opts: UdfLoadOptions): Promise<UdfRunner> {
  const { file, fn: fnName } = udfRef({ js: ref });
  const projectDir = path.resolve(opts.projectDir);
  const abs = path.resolve(projectDir, file);
  const rel = path.relative(projectDir, abs).split(path.sep).join('/');
  try {
    if (rel.startsWith('..') || !(await stat(abs)).isFile()) throw new Error('not a file');
  } catch {
    throw new Error(`UDF file ${file} not found (looked for ${abs})`);
  }
  const spec: JsUdfSpec = {
    ref,
    kind,
    file: rel,
    fnName,
    projectDir,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    memoryMb: opts.memoryMb ?? DEFAULT_MEMORY_MB,
  };
  let host = hosts.get(projectDir);
  if (!host) {
    host = new JsHost(projectDir);
    hosts.set(projectDir, host);
  }
  const udfId = await host.load(spec);
  let closed = false;
  const shared = host;
  return {
    kind,
    ref,
    call(inputs: unknown[]): Promise<UdfBatchResult> {
      if (closed) return Promise.reject(new Error(`JS UDF ${ref} was closed`));
      return shared.call(udfId, inputs);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await shared.unload(udfId);
    },
  };
}
