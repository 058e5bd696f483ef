// String functions (Flink SQL names). Lengths and positions count Unicode code points.
import { createHash } from 'node:crypto';
import { RE2JS } from 're2js';
import { fail } from '../cast.ts';
import { t } from '../types.ts';
import { argError, type FnDef, patternCache, simple } from './registry.ts';

const SURROGATE = /[\uD800-\uDFFF]/;

export function codePointLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function codePointSlice(s: string, start: number, end?: number): string {
  if (!SURROGATE.test(s)) return s.slice(start, end);
  return Array.from(s).slice(start, end).join('');
}

/** 1-based code point position of `sub` in `s` at or after code point `from` (1-based); 0 if absent. */
function codePointIndexOf(s: string, sub: string, from = 1): number {
  if (!SURROGATE.test(s)) {
    const i = s.indexOf(sub, Math.max(0, from - 1));
    return i + 1;
  }
  const cps = Array.from(s);
  const start = cps.slice(0, Math.max(0, from - 1)).join('').length;
  const i = s.indexOf(sub, start);
  return i < 0 ? 0 : codePointLength(s.slice(0, i)) + 1;
}

const MAX_RESULT = 16 * 1024 * 1024;

function pad(s: string, len: number, filler: string, left: boolean): string | null {
  if (len < 0) return null;
  const n = codePointLength(s);
  if (len <= n) return codePointSlice(s, 0, len);
  if (filler === '') return null;
  if (len > MAX_RESULT) fail(`lpad/rpad length ${len} is too large`);
  const fill = Array.from(filler);
  let extra = '';
  for (let i = 0; i < len - n; i++) extra += fill[i % fill.length];
  return left ? extra + s : s + extra;
}

function compileRegex(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    throw new Error(
      `invalid regular expression "${pattern}": ${(e as Error).message.replace(/^error parsing regexp: /, '')}`,
    );
  }
}

function regexChecker(patternArg: number) {
  return (constants: unknown[]) => {
    const p = constants[patternArg];
    if (typeof p === 'string') {
      try {
        compileRegex(p);
      } catch (e) {
        throw argError((e as Error).message, patternArg);
      }
    }
  };
}

/** Regexes of a call site; a bad pattern at run time is a record error, not a crash. */
function regexes() {
  return patternCache((p: string) => {
    try {
      return compileRegex(p);
    } catch (e) {
      return fail((e as Error).message);
    }
  });
}

const hash = (algorithm: string) => (s: string) => createHash(algorithm).update(s, 'utf8').digest('hex');

const isWordChar = (c: string) => /[\p{L}\p{N}]/u.test(c);

export const stringFunctions: FnDef[] = [
  simple({
    name: 'lower',
    usage: 'lower(s)',
    params: ['STRING'],
    result: t.STRING,
    impl: (s: string) => s.toLowerCase(),
  }),
  simple({
    name: 'upper',
    usage: 'upper(s)',
    params: ['STRING'],
    result: t.STRING,
    impl: (s: string) => s.toUpperCase(),
  }),
  simple({
    name: 'trim',
    usage: 'trim(s)',
    params: ['STRING'],
    result: t.STRING,
    impl: (s: string) => s.replace(/^ +| +$/g, ''),
  }),
  simple({
    name: 'ltrim',
    usage: 'ltrim(s)',
    params: ['STRING'],
    result: t.STRING,
    impl: (s: string) => s.replace(/^ +/, ''),
  }),
  simple({
    name: 'rtrim',
    usage: 'rtrim(s)',
    params: ['STRING'],
    result: t.STRING,
    impl: (s: string) => s.replace(/ +$/, ''),
  }),
  ...['char_length', 'character_length', 'length'].map((name) =>
    simple({ name, usage: `${name}(s)`, params: ['STRING'], result: t.INT, impl: codePointLength }),
  ),
  ...['substring', 'substr'].map((name) =>
    simple({
      name,
      usage: `${name}(s, pos[, len])`,
      params: ['STRING', 'INT', 'INT'],
      optional: 1,
      result: t.STRING,
      impl: (s: string, pos: number, len?: number) => {
        const n = codePointLength(s);
        let start = pos > 0 ? pos - 1 : pos < 0 ? Math.max(0, n + pos) : 0;
        if (start > n) start = n;
        if (len === undefined) return codePointSlice(s, start);
        if (len < 0) return null;
        return codePointSlice(s, start, start + len);
      },
    }),
  ),
  simple({
    name: 'concat',
    usage: 'concat(s1, s2, ...)',
    params: ['TEXT'],
    variadic: true,
    result: t.STRING,
    impl: (...parts: string[]) => parts.join(''),
  }),
  simple({
    name: 'concat_ws',
    usage: 'concat_ws(sep, s1, s2, ...)',
    params: ['STRING', 'TEXT'],
    variadic: true,
    nullCall: true,
    result: t.STRING,
    impl: (sep: string | null, ...parts: (string | null)[]) =>
      sep === null ? null : parts.filter((p) => p !== null).join(sep),
  }),
  simple({
    name: 'replace',
    usage: 'replace(s, search, replacement)',
    params: ['STRING', 'STRING', 'STRING'],
    result: t.STRING,
    impl: (s: string, search: string, repl: string) => (search === '' ? s : s.replaceAll(search, () => repl)),
  }),
  simple({
    name: 'lpad',
    usage: 'lpad(s, len, pad)',
    params: ['STRING', 'INT', 'STRING'],
    result: t.STRING,
    impl: (s: string, len: number, p: string) => pad(s, len, p, true),
  }),
  simple({
    name: 'rpad',
    usage: 'rpad(s, len, pad)',
    params: ['STRING', 'INT', 'STRING'],
    result: t.STRING,
    impl: (s: string, len: number, p: string) => pad(s, len, p, false),
  }),
  simple({
    name: 'position',
    usage: 'position(sub IN s) or position(sub, s)',
    params: ['STRING', 'STRING'],
    result: t.INT,
    impl: (sub: string, s: string) => codePointIndexOf(s, sub),
  }),
  simple({
    name: 'locate',
    usage: 'locate(sub, s[, from])',
    params: ['STRING', 'STRING', 'INT'],
    optional: 1,
    result: t.INT,
    impl: (sub: string, s: string, from?: number) => codePointIndexOf(s, sub, from ?? 1),
  }),
  simple({
    name: 'split_index',
    usage: 'split_index(s, sep, index)',
    params: ['STRING', 'STRING', 'INT'],
    result: t.STRING,
    impl: (s: string, sep: string, index: number) => {
      if (index < 0 || sep === '') return null;
      return s.split(sep)[index] ?? null;
    },
  }),
  simple({
    name: 'regexp_extract',
    usage: 'regexp_extract(s, pattern[, group])',
    params: ['STRING', 'STRING', 'INT'],
    optional: 1,
    result: t.STRING,
    check: regexChecker(1),
    impl: () => null,
    make: () => {
      const get = regexes();
      return (s: string, pattern: string, group?: number) => {
        const re = get(pattern);
        const g = group ?? 0;
        if (g < 0 || g > re.groupCount()) return null;
        const m = re.matcher(s);
        return m.find() ? m.group(g) : null;
      };
    },
  }),
  simple({
    name: 'regexp_replace',
    usage: 'regexp_replace(s, pattern, replacement)',
    params: ['STRING', 'STRING', 'STRING'],
    result: t.STRING,
    check: regexChecker(1),
    impl: () => null,
    make: () => {
      const get = regexes();
      return (s: string, pattern: string, repl: string) => {
        try {
          return get(pattern).matcher(s).replaceAll(repl, true);
        } catch (e) {
          return fail(`regexp_replace: ${(e as Error).message}`);
        }
      };
    },
  }),
  simple({
    name: 'regexp',
    usage: 'regexp(s, pattern)',
    params: ['STRING', 'STRING'],
    result: t.BOOLEAN,
    check: regexChecker(1),
    impl: () => null,
    make: () => {
      const get = regexes();
      return (s: string, pattern: string) => get(pattern).matcher(s).find();
    },
  }),
  simple({
    name: 'initcap',
    usage: 'initcap(s)',
    params: ['STRING'],
    result: t.STRING,
    impl: (s: string) => {
      let out = '';
      let start = true;
      for (const c of s) {
        out += start ? c.toUpperCase() : c.toLowerCase();
        start = !isWordChar(c);
      }
      return out;
    },
  }),
  simple({
    name: 'reverse',
    usage: 'reverse(s)',
    params: ['STRING'],
    result: t.STRING,
    impl: (s: string) => Array.from(s).reverse().join(''),
  }),
  simple({
    name: 'repeat',
    usage: 'repeat(s, n)',
    params: ['STRING', 'INT'],
    result: t.STRING,
    impl: (s: string, n: number) => {
      if (n <= 0) return '';
      if (s.length * n > MAX_RESULT) return fail(`repeat would make a string of ${s.length * n} characters`);
      return s.repeat(n);
    },
  }),
  simple({ name: 'md5', usage: 'md5(s)', params: ['STRING'], result: t.STRING, impl: hash('md5') }),
  simple({ name: 'sha1', usage: 'sha1(s)', params: ['STRING'], result: t.STRING, impl: hash('sha1') }),
  simple({ name: 'sha256', usage: 'sha256(s)', params: ['STRING'], result: t.STRING, impl: hash('sha256') }),
];
