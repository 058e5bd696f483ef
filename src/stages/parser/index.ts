// Parsers: how a raw line becomes a record. Compiled once per table when the config loads.
import type { ParserConfig } from '../../config/model.ts';
import type { ParsedRecord, SourcePosition } from '../../core/record.ts';
import { compileCsvParser } from './csv.ts';
import { compileJsonParser } from './json.ts';
import { compileOplogParser } from './oplog.ts';
import { compileRegexParser } from './regex-parser.ts';

/**
 * Parses one raw record. Returns null to skip it (a CSV header line; counted as dropped).
 * Throws only StageError (PARSE_* codes) for a record it cannot parse.
 */
export type Parser = (text: string, position?: SourcePosition) => ParsedRecord | null;

/** Builds the parser of a table; throws a plain Error when the config itself is unusable (e.g. a bad regex). */
export function compileParser(cfg: ParserConfig): Parser {
  if ('json' in cfg) return compileJsonParser();
  if ('regex' in cfg) return compileRegexParser(cfg.regex);
  if ('csv' in cfg) return compileCsvParser(cfg.csv);
  if ('oplog' in cfg) return compileOplogParser(cfg.oplog);
  throw new Error(
    `unknown parser ${JSON.stringify(Object.keys(cfg as object))}; use json, regex, csv or oplog`,
  );
}
