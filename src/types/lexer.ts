// Tokens of the type grammar: words, `quoted identifiers`, 'string literals', numbers, punctuation.
import { TypeSyntaxError } from './errors.ts';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'end';

export interface Token {
  kind: TokenKind;
  /** The token's value: the word as written, the unquoted identifier or string, the number's text, the punctuation. */
  value: string;
  /** 0-based offset of the token's first character in the text. */
  position: number;
  /** The token as written in the text (for messages). */
  source: string;
}

const WORD = /[\p{L}_][\p{L}\p{N}_$]*/uy;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const PUNCT = '<>(),-+';

function readQuoted(
  text: string,
  start: number,
  quote: string,
  what: string,
): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    const next = text.indexOf(quote, i);
    if (next < 0) {
      throw new TypeSyntaxError(`unclosed ${what} starting at ${start}`, start, [quote]);
    }
    value += text.slice(i, next);
    if (text[next + 1] === quote) {
      value += quote;
      i = next + 2;
    } else {
      return { value, end: next + 1 };
    }
  }
}

/** Tokens one at a time, so a bad character late in the text does not hide an earlier, clearer error. */
export function* tokenize(text: string): Generator<Token, Token> {
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '`' || ch === "'") {
      const { value, end } = readQuoted(text, i, ch, ch === '`' ? 'backquoted name (`)' : "quoted text (')");
      yield { kind: ch === '`' ? 'quoted' : 'string', value, position: i, source: text.slice(i, end) };
      i = end;
      continue;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text);
    if (number) {
      yield { kind: 'number', value: number[0], position: i, source: number[0] };
      i += number[0].length;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(text);
    if (word) {
      yield { kind: 'word', value: word[0], position: i, source: word[0] };
      i += word[0].length;
      continue;
    }
    if (PUNCT.includes(ch)) {
      yield { kind: 'punct', value: ch, position: i, source: ch };
      i++;
      continue;
    }
    throw new TypeSyntaxError(`unexpected character "${ch}" at ${i}`, i, []);
  }
  return { kind: 'end', value: '', position: text.length, source: '' };
}
