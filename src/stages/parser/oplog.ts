// The `oplog` parser: a fixed header (regex with named groups) at the start of the line, then a
// JSON object body, e.g. `[2026-11-25 10:00:01][LoginRole],{"role_id":1,...}`.
import { StageError } from '../../core/errors.ts';
import type { ParsedRecord } from '../../core/record.ts';
import { parseJsonObject } from './json.ts';
import { compileUserRegex } from './regex.ts';

export function compileOplogParser(cfg: { header: string; body?: string }): (text: string) => ParsedRecord {
  const header = compileUserRegex(`^(?:${cfg.header})`);
  const bodyField = cfg.body;
  return (text) => {
    const m = header.match(text);
    if (!m) {
      throw new StageError('PARSE_OPLOG_HEADER', `the line does not start with the header /${cfg.header}/`, {
        errorClass: 'NoMatch',
      });
    }
    let i = m.end;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === 44) i++;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (i >= text.length) {
      throw new StageError('PARSE_JSON', `there is no JSON body after the header (at character ${i})`, {
        errorClass: 'SyntaxError',
      });
    }
    const body = parseJsonObject(i === 0 ? text : text.slice(i), 'oplog body');
    if (bodyField !== undefined) {
      const rec: ParsedRecord = { ...m.groups };
      rec[bodyField] = body;
      return rec;
    }
    // Header fields win over body keys of the same name: the header is what the config declares.
    return Object.assign(body, m.groups);
  };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
