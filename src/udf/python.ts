// Python UDFs, run by Pyodide (CPython in WebAssembly) in a sandbox process. The interpreter is
// created lazily, one per project in this thread, and shared by all of the project's Python UDFs.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PythonHost, type PythonHostOptions, type PythonUdfSpec } from './python-host.ts';
import { udfRef } from './ref.ts';
import type { UdfBatchResult, UdfKind, UdfLoadOptions, UdfRunner } from './types.ts';

/** Per record. */
export const DEFAULT_TIMEOUT_MS = 1000;

/** The host options (memory cap, grace period, load time limit) apply when the project's interpreter is created. */
export type PythonUdfLoadOptions = UdfLoadOptions & PythonHostOptions;

const hosts = new Map<string, PythonHost>();

/** Splits `udf/currency.py#to_usd`; throws a plain message when the reference is malformed. */
export function parsePythonRef(ref: string, kind: UdfKind): PythonUdfSpec {
  const { file: path, fn: func } = udfRef({ python: ref });
  const parts = path.split('/');
  const module = parts.at(-1)!.slice(0, -'.py'.length);
  return { path, dir: parts.slice(0, -1).join('/'), module, func, kind };
}

function hostFor(opts: PythonUdfLoadOptions): PythonHost {
  const dir = resolve(opts.projectDir);
  let host = hosts.get(dir);
  if (!host) {
    host = new PythonHost(dir, {
      ...opts,
      ...(opts.memoryMb === undefined ? {} : { memoryLimitMb: opts.memoryMb }),
    });
    hosts.set(dir, host);
  }
  return host;
}

function checkFile(spec: PythonUdfSpec, projectDir: string): void {
  if (!existsSync(resolve(projectDir, spec.path))) {
    throw new Error(`${spec.path}: file not found in the project folder ${resolve(projectDir)}`);
  }
}

/**
 * Loads `file.py#function` from the project folder. Rejects with a plain message when the file,
 * the function or one of its imports cannot be loaded.
 */
export async function loadPythonUdf(
  ref: string,
  kind: UdfKind,
  opts: PythonUdfLoadOptions,
): Promise<UdfRunner> {
  const spec = parsePythonRef(ref, kind);
  checkFile(spec, opts.projectDir);
  const host = hostFor(opts);
  const udfId = await host.load(spec);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let closed = false;
  return {
    kind,
    ref,
    call(inputs: unknown[]): Promise<UdfBatchResult> {
      if (closed) return Promise.reject(new Error(`Python UDF ${ref} was closed`));
      return host.call(udfId, inputs, timeoutMs);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await host.unload(udfId);
    },
  };
}

/** null when `file.py#function` loads; else a plain message naming what fails (e.g. the import). */
export async function checkPythonUdf(ref: string, opts: PythonUdfLoadOptions): Promise<string | null> {
  let spec: PythonUdfSpec;
  try {
    spec = parsePythonRef(ref, 'postprocess');
    checkFile(spec, opts.projectDir);
  } catch (e) {
    return (e as Error).message;
  }
  try {
    return await hostFor(opts).check(spec);
  } catch (e) {
    return `${spec.path}: the Python interpreter failed: ${(e as Error).message}`;
  }
}

/** Stops the interpreters of this thread that hold no UDF (left by checkPythonUdf); the next use starts one again. */
export async function stopIdlePythonHosts(): Promise<void> {
  for (const [dir, host] of hosts) {
    if (host.udfCount > 0) continue;
    hosts.delete(dir);
    await host.stop();
  }
}
