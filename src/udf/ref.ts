// A UDF reference (`udf/clean.js#clean`, `{ python: udf/currency.py#to_usd }`) taken apart once,
// for `weir validate` and for loading alike: the same rules, the same messages.
import type { UdfRefConfig } from '../config/model.ts';

export type UdfLanguage = 'js' | 'python';

/** The files a JS UDF (and what it imports) may be: what the isolate can load. */
export const JS_EXTENSIONS = ['.js', '.mjs', '.ts', '.mts'];

export interface UdfRef {
  language: UdfLanguage;
  /** `file#function` as written. */
  ref: string;
  /** Relative to the project folder, `/`-separated, without a leading `./`. */
  file: string;
  fn: string;
}

const JS_NAME = /^[A-Za-z_$][\w$]*$/;
const PY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The reference's parts, or every reason it cannot be loaded (plain messages; the caller adds the config path). */
export function parseUdfRef(config: UdfRefConfig): { ref?: UdfRef; problems: string[] } {
  const ref = typeof config === 'string' ? config : 'python' in config ? config.python : config.js;
  const problems: string[] = [];
  const hash = ref.lastIndexOf('#');
  const file = (hash < 0 ? ref : ref.slice(0, hash)).replaceAll('\\', '/').replace(/^\.\//, '');
  const fn = hash < 0 ? '' : ref.slice(hash + 1);
  let language: UdfLanguage | undefined;
  if (typeof config === 'object') language = 'python' in config ? 'python' : 'js';
  else if (file.endsWith('.py')) language = 'python';
  else if (JS_EXTENSIONS.some((ext) => file.endsWith(ext))) language = 'js';
  if (file === '' || fn === '') {
    const example = language === 'python' ? 'udf/currency.py#to_usd' : 'udf/clean.js#clean';
    return { problems: [`"${ref}" should be file#function, e.g. ${example}`] };
  }
  if (language === undefined) {
    return {
      problems: [
        `UDF "${ref}": cannot tell the language from the file name; use a .py or .js file, or write { python: ... } / { js: ... }`,
      ],
    };
  }
  const parts = file.split('/');
  if (
    file.startsWith('/') ||
    /^[A-Za-z]:/.test(file) ||
    parts.some((p) => p === '..' || p === '' || p === '.')
  ) {
    problems.push(`UDF "${ref}": the file must be a relative path inside the project folder`);
  }
  if (language === 'js') {
    if (!JS_EXTENSIONS.some((ext) => file.endsWith(ext))) {
      problems.push(`UDF "${ref}": a JS UDF file must end in ${JS_EXTENSIONS.join(', ')}`);
    }
    if (!JS_NAME.test(fn)) problems.push(`UDF "${ref}": "${fn}" is not a JS function name`);
  } else {
    if (!file.endsWith('.py')) problems.push(`UDF "${ref}": a Python UDF file must end in .py`);
    if (!PY_NAME.test(fn)) problems.push(`UDF "${ref}": "${fn}" is not a Python function name`);
    const module = parts.at(-1)!.replace(/\.py$/, '');
    if (!PY_NAME.test(module)) {
      problems.push(`UDF "${ref}": "${module}.py" cannot be imported; use letters, digits and _ in the name`);
    }
  }
  return problems.length > 0 ? { problems } : { ref: { language, ref, file, fn }, problems };
}

/** The parsed reference; throws a plain Error with every problem when it cannot be loaded. */
export function udfRef(config: UdfRefConfig): UdfRef {
  const { ref, problems } = parseUdfRef(config);
  if (!ref) throw new Error(problems.join('; '));
  return ref;
}
