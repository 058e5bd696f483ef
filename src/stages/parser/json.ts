// The `json` parser: one JSON object per record. Integers beyond 2^53 stay exact (bigint);
// numbers with more digits than a double holds arrive as their text (see json-exact.ts).
import { StageError } from '../../core/errors.ts';
import type { ParsedRecord } from '../../core/record.ts';
import { JsonSyntaxError, parseJsonExact, significantDigits } from './json-exact.ts';

// Deeper values are handed to the exact parser, which is iterative (this walk recurses).
const MAX_WALK_DEPTH = 256;

/**
 * Whether a parsed value may hold an integer beyond ±(2^53 - 1) or a longer decimal that JSON.parse
 * rounded, or a number it turned into ±Infinity: then the text is parsed again exactly. Walking the parsed value is cheaper than scanning the text.
 */
function needsExact(v: unknown, depth: number): boolean {
  if (typeof v === 'number') {
    if (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER)
      return Number.isInteger(v) || !Number.isFinite(v);
    // A text of up to 15 significant digits comes back from its double as written; a double
    // whose shortest text has more may stand for a longer text that lost digits.
    return !Number.isInteger(v) && significantDigits(String(v)) > 15;
  }
  if (typeof v !== 'object' || v === null) return false;
  if (depth >= MAX_WALK_DEPTH) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (needsExact(v[i], depth + 1)) return true;
    return false;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) if (needsExact(o[k], depth + 1)) return true;
  return false;
}

/**
 * Parses any JSON value, keeping big integers exact; throws StageError(PARSE_JSON) with a plain
 * message naming the character position.
 */
export function parseJsonValue(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw explain(text, e);
  }
  if (!needsExact(value, 0)) return value;
  // Rare path (JSON.parse's reviver with context.source is no faster and overflows the stack on
  // deep nesting, see bench/json.ts).
  try {
    return parseJsonExact(text);
  } catch (e) {
    throw explain(text, e);
  }
}

/** Parses a JSON object (the record or an oplog body); anything else is PARSE_JSON. */
export function parseJsonObject(text: string, what = 'record'): ParsedRecord {
  const value = parseJsonValue(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new StageError(
      'PARSE_JSON',
      `a JSON ${what} must be an object ({…}), but this one is ${describeValue(value)}`,
      { errorClass: 'TypeError' },
    );
  }
  return value as ParsedRecord;
}

export function compileJsonParser(): (text: string) => ParsedRecord {
  return (text) => parseJsonObject(text);
}

function explain(text: string, error: unknown): StageError {
  if (error instanceof StageError) return error;
  if (!(error instanceof JsonSyntaxError)) {
    // JSON.parse failed: find where and why with the exact parser (it agrees on what is JSON).
    try {
      parseJsonExact(text);
    } catch (e) {
      if (e instanceof JsonSyntaxError) error = e;
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StageError('PARSE_JSON', message, { errorClass: 'SyntaxError', cause: error });
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}
