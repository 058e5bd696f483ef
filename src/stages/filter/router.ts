// The filter: routes each raw record to the tables whose keywords (and regex) match.
// Many tables share one pass over the record: all keywords of all tables go into one
// Aho–Corasick automaton; a table's regex runs only when its keywords matched.
// With few keywords, String.prototype.includes per keyword is faster (bench/router.ts).
import type { FilterConfig } from '../../config/model.ts';
import { StageError } from '../../core/errors.ts';
import { compileUserRegex, type UserRegex } from '../parser/regex.ts';
import { buildAhoCorasick } from './aho-corasick.ts';

export interface Router {
  /** Names of the tables the record belongs to, in config order. */
  route(text: string): string[];
}

export interface RouterOptions {
  /** Use the one-pass automaton from this many distinct keywords on (default from bench/router.ts). */
  automatonFrom?: number;
}

const AUTOMATON_FROM = 32;

interface CompiledTable {
  name: string;
  any: number[]; // keyword ids
  all: number[];
  regex: UserRegex | null;
}

export function compileRouter(
  tables: Array<{ name: string; filter?: FilterConfig }>,
  options: RouterOptions = {},
): Router {
  const ids = new Map<string, number>();
  const keywords: string[] = [];
  const idOf = (k: string, where: string): number => {
    if (k.length === 0) throw new Error(`${where}: a keyword cannot be empty`);
    let id = ids.get(k);
    if (id === undefined) {
      id = keywords.length;
      ids.set(k, id);
      keywords.push(k);
    }
    return id;
  };
  const compiled: CompiledTable[] = tables.map(({ name, filter }) => {
    let regex: UserRegex | null = null;
    if (filter?.regex !== undefined) {
      try {
        regex = compileUserRegex(filter.regex);
      } catch (e) {
        throw new Error(`tables.${name}.filter.regex: ${(e as Error).message}`);
      }
    }
    return {
      name,
      any: [...new Set((filter?.contains ?? []).map((k) => idOf(k, `tables.${name}.filter.contains`)))],
      all: [
        ...new Set((filter?.contains_all ?? []).map((k) => idOf(k, `tables.${name}.filter.contains_all`))),
      ],
      regex,
    };
  });
  const regexOk = (t: CompiledTable, text: string): boolean => {
    if (t.regex === null) return true;
    try {
      return t.regex.test(text);
    } catch (e) {
      throw new StageError('FILTER_REGEX', `table ${t.name}: filter regex failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  };
  if (keywords.length < (options.automatonFrom ?? AUTOMATON_FROM))
    return includesRouter(compiled, keywords, regexOk);
  return automatonRouter(compiled, keywords, regexOk);
}

type RegexCheck = (t: CompiledTable, text: string) => boolean;

function includesRouter(tables: CompiledTable[], keywords: string[], regexOk: RegexCheck): Router {
  return {
    route(text) {
      const out: string[] = [];
      for (const t of tables) {
        if (t.any.length > 0 && !t.any.some((id) => text.includes(keywords[id]!))) continue;
        if (!t.all.every((id) => text.includes(keywords[id]!))) continue;
        if (regexOk(t, text)) out.push(t.name);
      }
      return out;
    },
  };
}

function automatonRouter(tables: CompiledTable[], keywords: string[], regexOk: RegexCheck): Router {
  const matcher = buildAhoCorasick(keywords);
  // keyword → tables using it (any-of / all-of), and the tables without keywords.
  const anyUsers: number[][] = keywords.map(() => []);
  const allUsers: number[][] = keywords.map(() => []);
  const unconditional: number[] = [];
  tables.forEach((t, ti) => {
    for (const id of t.any) anyUsers[id]!.push(ti);
    for (const id of t.all) allUsers[id]!.push(ti);
    if (t.any.length === 0 && t.all.length === 0) unconditional.push(ti);
  });
  // Per-record scratch state, reset cheaply by bumping `round` instead of clearing arrays.
  const seenKeyword = new Uint32Array(keywords.length);
  const touched = new Uint32Array(tables.length);
  const anyHit = new Uint32Array(tables.length);
  const allRound = new Uint32Array(tables.length);
  const allCount = new Uint32Array(tables.length);
  let round = 0;
  let candidates: number[] = [];

  const onMatch = (id: number): void => {
    if (seenKeyword[id] === round) return;
    seenKeyword[id] = round;
    for (const ti of anyUsers[id]!) {
      anyHit[ti] = round;
      touch(ti);
    }
    for (const ti of allUsers[id]!) {
      if (allRound[ti] !== round) {
        allRound[ti] = round;
        allCount[ti] = 0;
      }
      allCount[ti]!++;
      touch(ti);
    }
  };
  const touch = (ti: number): void => {
    if (touched[ti] === round) return;
    touched[ti] = round;
    candidates.push(ti);
  };

  return {
    route(text) {
      round++;
      if (round === 0xffffffff) {
        round = 1;
        seenKeyword.fill(0);
        touched.fill(0);
        anyHit.fill(0);
        allRound.fill(0);
      }
      candidates = [];
      for (const ti of unconditional) touch(ti);
      matcher.scan(text, onMatch);
      if (candidates.length === 0) return [];
      candidates.sort((a, b) => a - b);
      const out: string[] = [];
      for (const ti of candidates) {
        const t = tables[ti]!;
        if (t.any.length > 0 && anyHit[ti] !== round) continue;
        if (t.all.length > 0 && (allRound[ti] !== round || allCount[ti] !== t.all.length)) continue;
        if (regexOk(t, text)) out.push(t.name);
      }
      return out;
    },
  };
}
