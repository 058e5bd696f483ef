// Picks the UDF runner for a reference: `{ js: ... }` / `{ python: ... }`, or by the file's
// extension (.js/.mjs/.cjs/.ts → JS, .py → Python). Runners are imported on first use, so a
// project without Python UDFs never loads the Python host.
import type { UdfRefConfig } from '../config/model.ts';
import type { UdfKind, UdfLoadOptions, UdfRunner } from './types.ts';

export type { UdfBatchResult, UdfKind, UdfLoadOptions, UdfOutcome, UdfRunner } from './types.ts';

export type UdfLanguage = 'js' | 'python';

const JS_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts'];

/** The language and `path#function` of a reference; throws a plain message for an unknown extension. */
export function udfLanguage(ref: UdfRefConfig): { language: UdfLanguage; ref: string } {
  if (typeof ref === 'object') {
    return 'python' in ref ? { language: 'python', ref: ref.python } : { language: 'js', ref: ref.js };
  }
  const path = ref.includes('#') ? ref.slice(0, ref.lastIndexOf('#')) : ref;
  if (path.endsWith('.py')) return { language: 'python', ref };
  if (JS_EXTENSIONS.some((ext) => path.endsWith(ext))) return { language: 'js', ref };
  throw new Error(
    `UDF "${ref}": cannot tell the language from the file name; use a .py or .js file, or write { python: ... } / { js: ... }`,
  );
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
