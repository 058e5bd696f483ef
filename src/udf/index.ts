// Picks the UDF runner for a reference: `{ js: ... }` / `{ python: ... }`, or by the file's
// extension (.js/.mjs/.cjs/.ts → JS, .py → Python). Runners are imported on first use, so a
// project without Python UDFs never loads the Python host.
import type { UdfRefConfig } from '../config/model.ts';
import { type UdfLanguage, udfRef } from './ref.ts';
import type { UdfKind, UdfLoadOptions, UdfRunner } from './types.ts';

export type { UdfLanguage } from './ref.ts';
export type { UdfBatchResult, UdfKind, UdfLoadOptions, UdfOutcome, UdfRunner } from './types.ts';

/** The language and `path#function` of a reference; throws a plain message when it cannot be loaded. */
export function udfLanguage(config: UdfRefConfig): { language: UdfLanguage; ref: string } {
  const { language, ref } = udfRef(config);
  return { language, ref };
}

export async function loadUdf(ref: UdfRefConfig, kind: UdfKind, opts: UdfLoadOptions): Promise<UdfRunner> {
  const { language, ref: target } = udfLanguage(ref);
  if (language === 'python') {
    const { loadPythonUdf } = await import('./python.ts');
    return loadPythonUdf(target, kind, opts);
  }
  const { loadJsUdf } = await import('./js.ts');
  return loadJsUdf(target, kind, opts);
}
