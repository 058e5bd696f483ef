// Tokens of the expression language. Keywords are plain identifiers here; the parser matches them
// case-insensitively, so `and`, `AND` and `And` are the same word.
import { ExprError } from './errors.ts';

export type TokenKind = 'number' | 'string' | 'ident' | 'quoted' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text for numbers and operators; the name for identifiers; the unescaped value for strings. */
  text: string;
  /** 0-based offset into the expression text. */
  pos: number;
  len: number;
}

const OPERATORS = [
  '<>',
  '!=',
  '<=',
  '>=',
  '||',
  '+',
  '-',
  '*',
  '/',
  '%',
  '=',
  '<',
  '>',
  '(',
  ')',
  ',',
  '.',
  '[',
  ']',
];

const isDigit = (c: string) => c >= '0' && c <= '9';
const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{N}_]/u;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1] ?? ''))) {
      while (isDigit(text[i] ?? '')) i++;
      if (text[i] === '.' && isDigit(text[i + 1] ?? '')) {
        i++;
        while (isDigit(text[i] ?? '')) i++;
      } else if (text[i] === '.' && !IDENT_START.test(text[i + 1] ?? '')) {
        i++; // `1.` is the decimal 1
      }
      if (text[i] === 'e' || text[i] === 'E') {
        let j = i + 1;
        if (text[j] === '+' || text[j] === '-') j++;
        if (!isDigit(text[j] ?? '')) throw new ExprError('malformed number exponent', start + 1, j - start);
        i = j;
        while (isDigit(text[i] ?? '')) i++;
      }
      if (IDENT_START.test(text[i] ?? '')) {
        throw new ExprError(`unexpected "${text[i]}" after number`, i + 1);
      }
      tokens.push({ kind: 'number', text: text.slice(start, i), pos: start, len: i - start });
      continue;
    }
    if (c === "'" || c === '`') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) {
          const what = c === "'" ? 'string' : 'quoted name';
          throw new ExprError(`unterminated ${what} (missing closing ${c})`, start + 1, i - start);
        }
        const d = text[i]!;
        if (d === c) {
          if (text[i + 1] === c) {
            value += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += d;
        i++;
      }
      if (c === '`' && value === '') throw new ExprError('empty quoted name', start + 1, 2);
      tokens.push({ kind: c === "'" ? 'string' : 'quoted', text: value, pos: start, len: i - start });
      continue;
    }
    if (c === '"') {
      throw new ExprError(
        "double quotes are not used: write strings in single quotes ('text') and odd field names in backquotes (`name`)",
        start + 1,
      );
    }
    const cp = String.fromCodePoint(text.codePointAt(i)!);
    if (IDENT_START.test(cp)) {
      i += cp.length;
      for (;;) {
        const n = text.codePointAt(i);
        if (n === undefined) break;
        const ch = String.fromCodePoint(n);
        if (!IDENT_PART.test(ch)) break;
        i += ch.length;
      }
      tokens.push({ kind: 'ident', text: text.slice(start, i), pos: start, len: i - start });
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) throw new ExprError(`unexpected character "${cp}"`, start + 1);
    tokens.push({ kind: 'op', text: op === '!=' ? '<>' : op, pos: start, len: op.length });
    i += op.length;
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length, len: 1 });
  return tokens;
}
