// Parsers: how a raw line becomes a record. Compiled once per table when the config loads.
import type { ParserConfig } from '../../config/model.ts';
import type { ParsedRecord, SourcePosition } from '../../core/record.ts';
import { compileCsvParser, csvProblems } from './csv.ts';
import { compileJsonParser } from './json.ts';
import { compileOplogParser } from './oplog.ts';
import { compileUserRegex, type UserRegex } from './regex.ts';
import { compileRegexParser } from './regex-parser.ts';

/**
 * Parses one raw record. Returns null to skip it (a CSV header line; counted as dropped).
 * Throws only StageError (PARSE_* codes) for a record it cannot parse.
 */
export type Parser = (text: string, position?: SourcePosition) => ParsedRecord | null;

/** A config problem of a parser, at a path under the table's `parser` (e.g. `['regex', 'pattern']`). */
export interface ParserProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Builds the parser of a table, or says every reason it cannot: `weir validate` is this build
 * without running, so what validates is what runs. `fields`: the fields the parser gives for
 * sure (a regex's or header's named groups), when they are known from the config alone.
 */
export function buildParser(cfg: ParserConfig): {
  parser?: Parser;
  fields?: string[];
  problems: ParserProblem[];
} {
  const problems: ParserProblem[] = [];
  const regex = (at: (string | number)[], pattern: string, noGroups: string): UserRegex | undefined => {
    let re: UserRegex;
    try {
      re = compileUserRegex(pattern);
    } catch (e) {
      const why = (e as Error).message.replace(/^Invalid regular expression: /, '');
      problems.push({ path: at, message: `the regex does not compile: ${why}` });
      return undefined;
    }
    if (re.groupNames.length === 0) problems.push({ path: at, message: noGroups });
    return re;
  };
  if ('json' in cfg) return { parser: compileJsonParser(), problems };
  if ('regex' in cfg) {
    const re = regex(
      ['regex', 'pattern'],
      cfg.regex.pattern,
      'the regex has no named groups, e.g. (?<ip>\\S+); they become the fields',
    );
    if (!re || problems.length > 0) return { problems };
    return { parser: compileRegexParser(re, cfg.regex.pattern), fields: re.groupNames, problems };
  }
  if ('oplog' in cfg) {
    const re = regex(
      ['oplog', 'header'],
      cfg.oplog.header,
      'the header regex has no named groups, e.g. \\[(?<log_type>\\w+)\\]',
    );
    if (!re || problems.length > 0) return { problems };
    return { parser: compileOplogParser(cfg.oplog), problems };
  }
  if ('csv' in cfg) {
    problems.push(...csvProblems(cfg.csv));
    return problems.length > 0 ? { problems } : { parser: compileCsvParser(cfg.csv), problems };
  }
  problems.push({
    path: [],
    message: `unknown parser ${JSON.stringify(Object.keys(cfg as object))}; use json, regex, csv or oplog`,
  });
  return { problems };
}

/** Builds the parser of a table; throws a plain Error when the config itself is unusable (e.g. a bad regex). */
export function compileParser(cfg: ParserConfig): Parser {
  const { parser, problems } = buildParser(cfg);
  if (!parser)
    throw new Error(problems.map((p) => `${['parser', ...p.path].join('.')}: ${p.message}`).join('; '));
  return parser;
}
