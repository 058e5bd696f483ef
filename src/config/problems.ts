// Config problems: a config path plus a plain message, and the translation of zod issues into them.
import type { z } from 'zod';
import { suggest } from '../types/index.ts';

/** One thing wrong with a project, e.g. `{ path: 'tables.login.source', message: 'unknown source "web"' }`. */
export interface Problem {
  /** Dotted config path (`tables.login.extend[1].udf`), or `weir.yaml:3:5` for YAML syntax errors. */
  path: string;
  message: string;
}

export type PathSegment = string | number | symbol;

/** `['tables', 'login', 'extend', 1]` → `tables.login.extend[1]`; odd keys are quoted: `schema["a.b"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      if (/^[A-Za-z0-9_$-]+$/.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

export function formatProblem(p: Problem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}

/** ` (did you mean X?)` or '' */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, [...candidates]);
  return s === undefined ? '' : ` (did you mean ${s}?)`;
}

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/** Turns every zod issue into problems with plain messages and config paths. */
export function zodProblems(issues: readonly Issue[], input: unknown, root: AnySchema): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) addIssue(issue, [], input, root, out);
  return out;
}

function addIssue(
  issue: Issue,
  prefix: PathSegment[],
  input: unknown,
  root: AnySchema,
  out: Problem[],
): void {
  const path = [...prefix, ...issue.path];
  const value = valueAt(input, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = objectKeysAt(root, path);
      for (const key of issue.keys) {
        out.push({ path: formatPath([...path, key]), message: `unknown field${didYouMean(key, known)}` });
      }
      return;
    }
    case 'invalid_union':
      addUnion(issue, path, value, input, root, out);
      return;
    case 'invalid_key': {
      const key = path[path.length - 1];
      const why = issue.issues.map((i) => i.message).join('; ');
      out.push({ path: formatPath(path), message: `invalid name "${String(key)}": ${why}` });
      return;
    }
    case 'invalid_element':
      for (const sub of issue.issues) addIssue(sub, path, input, root, out);
      return;
    default:
      out.push({ path: formatPath(path), message: plainMessage(issue, value) });
  }
}

// A union failed on every branch. If one branch clearly is what the user meant (its errors are all
// below the value, e.g. `flatten: { fild: x }`), report that branch's errors; otherwise one summary.
function addUnion(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  path: PathSegment[],
  value: unknown,
  input: unknown,
  root: AnySchema,
  out: Problem[],
): void {
  const matching = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => isDeep(i)));
  if (matching.length >= 1) {
    // Prefer the branch whose errors go deepest: that is where the input got furthest.
    const best = matching.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    for (const sub of best) addIssue(sub, path, input, root, out);
    return;
  }
  if (value === undefined) {
    out.push({ path: formatPath(path), message: 'required' });
    return;
  }
  const keys = objectKeysAt(root, path);
  if (isPlainObject(value) && keys.length > 0) {
    const given = Object.keys(value);
    const unknown = given.filter((k) => !keys.includes(k));
    for (const key of unknown) {
      out.push({ path: formatPath([...path, key]), message: `unknown field${didYouMean(key, keys)}` });
    }
    if (unknown.length === 0) {
      const what = given.length === 0 ? 'is empty' : `has ${given.join(' and ')}`;
      out.push({ path: formatPath(path), message: `${what}; use exactly one of: ${keys.join(', ')}` });
    }
    return;
  }
  const expected = new Set<string>();
  for (const branch of issue.errors) {
    for (const i of branch) if (i.path.length === 0 && i.code === 'invalid_type') expected.add(i.expected);
  }
  const list = expected.size > 0 ? [...expected].map(typeName).join(' or ') : 'a different value';
  out.push({ path: formatPath(path), message: `expected ${list}, got ${describe(value)}` });
}

function isDeep(issue: Issue): boolean {
  if (issue.path.length === 0) return issue.code === 'invalid_union' ? false : issue.code === 'custom';
  // A missing key right at the top is the discriminating key of another branch.
  if (issue.path.length === 1 && issue.code === 'invalid_type' && issue.input === undefined) return false;
  return true;
}

function depth(branch: readonly Issue[]): number {
  return Math.max(...branch.map((i) => i.path.length));
}

function plainMessage(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return 'required';
      if (issue.expected === 'int' && typeof value === 'number')
        return `expected a whole number, got ${value}`;
      return `expected ${typeName(issue.expected)}, got ${describe(value)}`;
    case 'invalid_value': {
      const options = issue.values.map((v) => String(v));
      const hint = typeof value === 'string' ? didYouMean(value, options) : '';
      return `${describe(value)} is not one of: ${options.join(', ')}${hint}`;
    }
    case 'too_small':
      return sizeMessage('at least', issue.origin, issue.minimum, issue.inclusive, value);
    case 'too_big':
      return sizeMessage('at most', issue.origin, issue.maximum, issue.inclusive, value);
    case 'invalid_format':
      return issue.message.startsWith('Invalid')
        ? `${describe(value)} is not a valid ${issue.format}`
        : issue.message;
    default:
      return issue.message;
  }
}

function sizeMessage(
  bound: 'at least' | 'at most',
  origin: string,
  limit: number | bigint,
  inclusive: boolean | undefined,
  value: unknown,
): string {
  const n = Number(limit);
  if (origin === 'array' || origin === 'set') {
    return `needs ${bound} ${n} item${n === 1 ? '' : 's'}`;
  }
  if (origin === 'string') {
    if (bound === 'at least' && n === 1) return 'must not be empty';
    return `must be ${bound} ${n} character${n === 1 ? '' : 's'} long, got ${describe(value)}`;
  }
  const op = bound === 'at least' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
  return `must be ${op} ${n}, got ${describe(value)}`;
}

function typeName(expected: string): string {
  switch (expected) {
    case 'record':
    case 'object':
      return 'a mapping (key: value)';
    case 'array':
      return 'a list';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}

/** A short plain rendering of a config value for messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (empty)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function valueAt(input: unknown, path: readonly PathSegment[]): unknown {
  let cur = input;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as PropertyKey];
  }
  return cur;
}

// The keys an object at `path` may have: walk the schema along the path (through optional,
// default, unions, records and arrays) and collect the shapes of the objects reached.
function objectKeysAt(root: AnySchema, path: readonly PathSegment[]): string[] {
  let frontier: AnySchema[] = [root];
  for (const seg of path) {
    const next: AnySchema[] = [];
    for (const s of frontier.flatMap(unwrap)) {
      const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
      if (def.type === 'object') {
        const child = (def.shape as Record<string, AnySchema>)[String(seg)];
        if (child) next.push(child);
      } else if (def.type === 'record') next.push(def.valueType as AnySchema);
      else if (def.type === 'array' && typeof seg === 'number') next.push(def.element as AnySchema);
    }
    frontier = next;
  }
  const keys = new Set<string>();
  for (const s of frontier.flatMap(unwrap)) {
    const def = s._zod.def as unknown as { type: string; shape?: Record<string, unknown> };
    if (def.type === 'object' && def.shape) for (const k of Object.keys(def.shape)) keys.add(k);
  }
  return [...keys];
}

function unwrap(s: AnySchema): AnySchema[] {
  const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
    case 'catch':
      return unwrap(def.innerType as AnySchema);
    case 'pipe':
      return unwrap(def.in as AnySchema);
    case 'union':
      return (def.options as AnySchema[]).flatMap(unwrap);
    default:
      return [s];
  }
}
