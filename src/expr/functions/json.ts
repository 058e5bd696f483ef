// JSON functions: json_value and json_exists over a JSON path subset ($, .key, ['key'], [n]).
// The argument may be JSON text or, in dynamic mode, an already parsed object or array.
import { describe, fail } from '../cast.ts';
import { t } from '../types.ts';
import { argError, type FnDef, patternCache, simple } from './registry.ts';

type Step = string | number;

/** Parses a JSON path like `$.a.b[0]['c d']`; throws Error with a plain message. */
export function compileJsonPath(path: string): Step[] {
  const steps: Step[] = [];
  let i = path.trimStart().startsWith('lax ') ? path.indexOf('lax ') + 4 : 0;
  const p = path.slice(i).trim();
  if (p[0] !== '$') throw new Error(`JSON path "${path}" must start with $`);
  i = 1;
  while (i < p.length) {
    if (p[i] === '.') {
      const m = /^[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff-]*/.exec(p.slice(i + 1));
      if (!m) throw new Error(`JSON path "${path}": expected a name after "." at position ${i + 1}`);
      steps.push(m[0]);
      i += 1 + m[0].length;
    } else if (p[i] === '[') {
      const m = /^\[\s*(?:(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(p.slice(i));
      if (!m)
        throw new Error(
          `JSON path "${path}": expected [number] or ['name'] at position ${i + 1} (wildcards are not supported)`,
        );
      steps.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? m[3])!.replace(/\\(.)/g, '$1'));
      i += m[0].length;
    } else {
      throw new Error(`JSON path "${path}": unexpected "${p[i]}" at position ${i + 1}`);
    }
  }
  return steps;
}

const MISSING = Symbol('missing');

// Big integers keep their exact digits.
const reviver = (_k: string, v: unknown, ctx?: { source?: string }) =>
  typeof v === 'number' && !Number.isSafeInteger(v) && ctx?.source && /^-?\d+$/.test(ctx.source)
    ? BigInt(ctx.source)
    : v;

function navigate(input: unknown, steps: Step[]): unknown {
  let v = input;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v, reviver as (k: string, v: unknown) => unknown);
    } catch {
      return MISSING;
    }
  }
  for (const s of steps) {
    if (typeof s === 'number') {
      if (!Array.isArray(v) || s >= v.length) return MISSING;
      v = v[s];
    } else {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, s)) return MISSING;
      v = (v as Record<string, unknown>)[s];
    }
  }
  return v;
}

function pathChecker(constants: unknown[]) {
  if (typeof constants[1] === 'string') {
    try {
      compileJsonPath(constants[1]);
    } catch (e) {
      throw argError((e as Error).message, 1);
    }
  }
}

const paths = () =>
  patternCache((p: string) => {
    try {
      return compileJsonPath(p);
    } catch (e) {
      return fail((e as Error).message);
    }
  });

export const jsonFunctions: FnDef[] = [
  simple({
    name: 'json_value',
    usage: "json_value(json, '$.path')",
    params: ['ANY', 'STRING'],
    result: t.STRING,
    check: pathChecker,
    impl: () => null,
    make: () => {
      const get = paths();
      return (json: unknown, path: string) => {
        const v = navigate(json, get(path));
        if (v === MISSING || v === null || typeof v === 'object') return null;
        if (typeof v === 'boolean') return v ? 'true' : 'false';
        return typeof v === 'string'
          ? v
          : typeof v === 'number' || typeof v === 'bigint'
            ? String(v)
            : fail(`json_value: unexpected ${describe(v)}`);
      };
    },
  }),
  simple({
    name: 'json_exists',
    usage: "json_exists(json, '$.path')",
    params: ['ANY', 'STRING'],
    result: t.BOOLEAN,
    check: pathChecker,
    impl: () => null,
    make: () => {
      const get = paths();
      return (json: unknown, path: string) => navigate(json, get(path)) !== MISSING;
    },
  }),
];
