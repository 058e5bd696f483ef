// The `csv` parser (RFC 4180): quoted fields, "" escapes, newlines inside quotes, custom
// delimiter and quote character. Fields are strings; `columns` (or the file's header) names them.
import { StageError } from '../../core/errors.ts';
import type { ParsedRecord, SourcePosition } from '../../core/record.ts';

export interface CsvOptions {
  delimiter?: string;
  quote?: string;
  columns?: string[];
  header?: boolean;
}

/** Splits one CSV record into its fields; throws StageError(PARSE_CSV) on malformed quoting. */
export function splitCsv(text: string, delimiter = ',', quote = '"'): string[] {
  const d = delimiter.charCodeAt(0);
  const q = quote.charCodeAt(0);
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 13 && !endsInsideQuotes(text, q)) end--; // CRLF
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === q && i < end) {
      const start = i;
      i++;
      let value = '';
      let chunk = i;
      for (;;) {
        const next = text.indexOf(quote, i);
        if (next === -1 || next >= end) {
          throw new StageError('PARSE_CSV', `a quoted field starting at character ${start} is never closed`, {
            errorClass: 'SyntaxError',
          });
        }
        if (text.charCodeAt(next + 1) === q && next + 1 < end) {
          value += text.slice(chunk, next + 1);
          i = next + 2;
          chunk = i;
          continue;
        }
        value += text.slice(chunk, next);
        i = next + 1;
        break;
      }
      fields.push(value);
      if (i >= end) return fields;
      if (text.charCodeAt(i) !== d) {
        throw new StageError(
          'PARSE_CSV',
          `unexpected ${JSON.stringify(text[i])} after the closing quote at character ${i - 1} (expected the delimiter ${JSON.stringify(delimiter)})`,
          { errorClass: 'SyntaxError' },
        );
      }
      i++;
    } else {
      let next = text.indexOf(delimiter, i);
      if (next === -1 || next > end) next = end;
      fields.push(text.slice(i, next));
      if (next >= end) return fields;
      i = next + 1;
    }
  }
}

function endsInsideQuotes(text: string, q: number): boolean {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === q) n++;
  return n % 2 === 1;
}

/** Why these options cannot make a CSV parser (paths under the table's `parser`); empty when they can. */
export function csvProblems(cfg: CsvOptions): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const delimiter = cfg.delimiter ?? ',';
  const quote = cfg.quote ?? '"';
  if (!cfg.columns && !cfg.header) {
    out.push({ path: ['csv'], message: 'csv needs either columns (the field names) or header: true' });
  }
  if (delimiter.length !== 1) out.push({ path: ['csv', 'delimiter'], message: 'must be one character' });
  if (quote.length !== 1) out.push({ path: ['csv', 'quote'], message: 'must be one character' });
  else if (delimiter === quote) {
    out.push({ path: ['csv', 'quote'], message: 'the quote character must differ from the delimiter' });
  }
  cfg.columns?.forEach((c, i) => {
    if (c.trim() === '') out.push({ path: ['csv', 'columns', i], message: 'must not be empty' });
    else if (cfg.columns!.indexOf(c) !== i)
      out.push({ path: ['csv', 'columns', i], message: `duplicate column "${c}"` });
  });
  return out;
}

export function compileCsvParser(
  cfg: CsvOptions,
): (text: string, position?: SourcePosition) => ParsedRecord | null {
  const delimiter = cfg.delimiter ?? ',';
  const quote = cfg.quote ?? '"';
  const fixed = cfg.columns;
  // Header names per split (file), learned from each split's line 1.
  const headers = new Map<string, string[]>();
  return (text, position) => {
    if (cfg.header && position?.line === 1) {
      if (!fixed)
        headers.set(
          position.split,
          splitCsv(text, delimiter, quote).map((h) => h.trim()),
        );
      return null;
    }
    const names = fixed ?? (position ? headers.get(position.split) : undefined);
    if (!names) {
      throw new StageError(
        'PARSE_CSV',
        `no column names for this record: the csv parser has no 'columns' and the header line of ${position ? `"${position.split}"` : 'this source'} was not read`,
        { errorClass: 'Error' },
      );
    }
    const fields = splitCsv(text, delimiter, quote);
    if (fields.length !== names.length) {
      throw new StageError(
        'PARSE_CSV',
        `expected ${names.length} fields (${names.join(', ')}), got ${fields.length}`,
        { errorClass: 'Error' },
      );
    }
    const rec: ParsedRecord = {};
    for (let k = 0; k < names.length; k++) {
      const name = names[k]!;
      if (name === '__proto__')
        Object.defineProperty(rec, name, { value: fields[k], enumerable: true, writable: true });
      else rec[name] = fields[k];
    }
    return rec;
  };
}
