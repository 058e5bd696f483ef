// Parser for logical type strings: `BIGINT NOT NULL`, `ARRAY<ROW<`select` INT COMMENT 'x'>>`, ...
// Grammar (keywords case-insensitive):
//   type   := core [NOT NULL | NULL]
//   core   := BOOLEAN | TINYINT | SMALLINT | INT | INTEGER | BIGINT | FLOAT | DOUBLE [PRECISION]
//           | DECIMAL|DEC|NUMERIC [(p [, s])] | STRING | VARCHAR(n) | BINARY | BYTES | DATE | JSON
//           | TIMESTAMP [(p)] [WITHOUT TIME ZONE | WITH LOCAL TIME ZONE] | TIMESTAMP_LTZ [(p)]
//           | ARRAY<type> | MAP<type, type> | ROW<field, ...> | ROW(field, ...)
//   field  := name type [[COMMENT] 'text']        name: word or `back quoted`
// A column string may follow the type with DEFAULT <literal> and COMMENT 'text'.
import type { LogicalType, RowField } from '../core/types.ts';
import { TypeSyntaxError } from './errors.ts';
import { type Token, tokenize } from './lexer.ts';
import { printType } from './print.ts';
import { suggest } from './suggest.ts';

export { TypeSyntaxError } from './errors.ts';
export { suggest } from './suggest.ts';

/** The type names the parser knows, in the order suggestions prefer them. */
export const TYPE_NAMES = [
  'BOOLEAN',
  'TINYINT',
  'SMALLINT',
  'INT',
  'INTEGER',
  'BIGINT',
  'FLOAT',
  'DOUBLE',
  'DECIMAL',
  'STRING',
  'VARCHAR',
  'BINARY',
  'DATE',
  'TIMESTAMP',
  'TIMESTAMP_LTZ',
  'ARRAY',
  'MAP',
  'ROW',
  'JSON',
] as const;

/** Names from other SQL dialects that an edit distance would not catch. */
const DIALECT_HINTS: Record<string, string> = {
  BOOL: 'BOOLEAN',
  LONG: 'BIGINT',
  REAL: 'FLOAT',
  TEXT: 'STRING',
  CHAR: 'VARCHAR(n) or STRING',
  VARBINARY: 'BINARY',
  DATETIME: 'TIMESTAMP',
  STRUCT: 'ROW',
  LIST: 'ARRAY',
};

export const DECIMAL_MAX_PRECISION = 38;
export const VARCHAR_MAX_LENGTH = 2147483647;
export const TIMESTAMP_MAX_PRECISION = 9;
/** Flink's default: TIMESTAMP = TIMESTAMP(6). */
export const TIMESTAMP_DEFAULT_PRECISION = 6;

/** A literal after DEFAULT: text, a number (bigint beyond 2^53, the literal's text when a double would round it), a boolean or null. */
export type DefaultLiteral = string | number | bigint | boolean | null;

/** A top-level column string: the type plus optional DEFAULT and COMMENT. */
export interface ColumnTypeSpec {
  type: LogicalType;
  default?: DefaultLiteral;
  comment?: string;
}

/** Deeper nesting than any real log needs; the limit keeps a hostile string from exhausting the stack. */
export const MAX_NESTING = 64;

const COMPLEX = new Set(['ARRAY', 'MAP', 'ROW']);

class Parser {
  private readonly tokens: Generator<Token, Token>;
  private current: Token | undefined;
  private depth = 0;

  constructor(text: string) {
    this.tokens = tokenize(text);
  }

  peek(): Token {
    this.current ??= this.tokens.next().value;
    return this.current;
  }

  next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.current = undefined;
    return token;
  }

  isWord(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.value.toUpperCase() === keyword;
  }

  isPunct(token: Token, ch: string): boolean {
    return token.kind === 'punct' && token.value === ch;
  }

  /** `<what> at N` plus what was found instead (nothing at the end of the text). */
  fail(what: string, token: Token, expected: string[]): never {
    const found = token.kind === 'end' ? '' : `, found "${clip(token.source)}"`;
    throw new TypeSyntaxError(`${what} at ${token.position}${found}`, token.position, expected);
  }

  unexpectedAfterType(token: Token, expected: string[]): never {
    const help = expected.length > 0 ? ` (expected ${expected.join(' or ')})` : '';
    throw new TypeSyntaxError(
      `unexpected "${clip(token.source)}" after the type at ${token.position}${help}`,
      token.position,
      expected,
    );
  }

  expectPunct(ch: string, what: string): Token {
    const token = this.peek();
    if (!this.isPunct(token, ch)) this.fail(what, token, [ch]);
    return this.next();
  }

  expectWord(keyword: string, what: string): void {
    const token = this.peek();
    if (!this.isWord(token, keyword)) this.fail(what, token, [keyword]);
    this.next();
  }

  atEnd(): boolean {
    return this.peek().kind === 'end';
  }

  /** A whole number parameter; range checks belong to the caller, which knows the bounds. */
  wholeNumber(what: string): { value: number; token: Token } {
    const token = this.peek();
    if (token.kind !== 'number' || !/^\d+$/.test(token.value)) {
      this.fail(`expected ${what} (a whole number)`, token, [what]);
    }
    this.next();
    return { value: Number(token.value), token };
  }

  parseType(): LogicalType {
    const token = this.peek();
    if (++this.depth > MAX_NESTING) {
      throw new TypeSyntaxError(
        `types nest deeper than ${MAX_NESTING} levels at ${token.position}`,
        token.position,
        [],
      );
    }
    const core = this.parseCore();
    const type = { ...core, nullable: this.parseNullability() };
    this.depth--;
    return type;
  }

  parseNullability(): boolean {
    const token = this.peek();
    if (this.isWord(token, 'NULL')) {
      this.next();
      return true;
    }
    if (this.isWord(token, 'NOT')) {
      this.next();
      this.expectWord('NULL', 'expected NULL after NOT');
      return false;
    }
    return true;
  }

  parseCore(): LogicalType {
    const token = this.peek();
    if (token.kind !== 'word') this.fail('expected a type', token, ['a type']);
    this.next();
    const name = token.value.toUpperCase();
    switch (name) {
      case 'BOOLEAN':
      case 'TINYINT':
      case 'SMALLINT':
      case 'BIGINT':
      case 'FLOAT':
      case 'STRING':
      case 'BINARY':
      case 'DATE':
      case 'JSON':
        this.noParameters(name);
        return { kind: name, nullable: true };
      case 'INT':
      case 'INTEGER':
        this.noParameters(name);
        return { kind: 'INT', nullable: true };
      case 'DOUBLE':
        // Flink also spells it DOUBLE PRECISION.
        if (this.isWord(this.peek(), 'PRECISION')) this.next();
        this.noParameters(name);
        return { kind: 'DOUBLE', nullable: true };
      case 'BYTES':
        this.noParameters(name);
        return { kind: 'BINARY', nullable: true };
      case 'DECIMAL':
      case 'DEC':
      case 'NUMERIC':
        return this.parseDecimal();
      case 'VARCHAR':
        return this.parseVarchar();
      case 'TIMESTAMP':
      case 'TIMESTAMP_LTZ':
        return this.parseTimestamp(name);
      case 'ARRAY': {
        this.expectPunct('<', 'expected "<" after ARRAY');
        const element = this.parseType();
        this.expectPunct('>', 'expected ">" to close ARRAY<');
        return { kind: 'ARRAY', element, nullable: true };
      }
      case 'MAP':
        return this.parseMap();
      case 'ROW':
        return this.parseRow();
      default: {
        const hint = DIALECT_HINTS[name] ?? suggest(token.value, TYPE_NAMES);
        const help = hint ? `did you mean ${hint}?` : `known types: ${TYPE_NAMES.join(', ')}`;
        throw new TypeSyntaxError(
          `unknown type "${token.value}" at ${token.position} (${help})`,
          token.position,
          [...TYPE_NAMES],
        );
      }
    }
  }

  noParameters(name: string): void {
    const token = this.peek();
    if (this.isPunct(token, '(') || this.isPunct(token, '<')) {
      throw new TypeSyntaxError(`${name} takes no parameters at ${token.position}`, token.position, []);
    }
  }

  parseDecimal(): LogicalType {
    let precision = 10;
    let scale = 0;
    if (this.isPunct(this.peek(), '(')) {
      this.next();
      const p = this.wholeNumber('the DECIMAL precision');
      if (p.value < 1 || p.value > DECIMAL_MAX_PRECISION) {
        throw new TypeSyntaxError(
          `DECIMAL precision must be 1..${DECIMAL_MAX_PRECISION}, got ${p.token.value}`,
          p.token.position,
          [],
        );
      }
      precision = p.value;
      if (this.isPunct(this.peek(), ',')) {
        this.next();
        const s = this.wholeNumber('the DECIMAL scale');
        if (s.value > precision) {
          throw new TypeSyntaxError(
            `scale ${s.token.value} is larger than precision ${precision}`,
            s.token.position,
            [],
          );
        }
        scale = s.value;
      }
      this.expectPunct(')', 'expected ")" to close DECIMAL(');
    }
    return { kind: 'DECIMAL', precision, scale, nullable: true };
  }

  parseVarchar(): LogicalType {
    this.expectPunct('(', 'VARCHAR needs a length, e.g. VARCHAR(255) (use STRING for text of any length)');
    const n = this.wholeNumber('the VARCHAR length');
    if (n.value < 1 || n.value > VARCHAR_MAX_LENGTH) {
      throw new TypeSyntaxError(
        `VARCHAR length must be 1..${VARCHAR_MAX_LENGTH}, got ${n.token.value}`,
        n.token.position,
        [],
      );
    }
    this.expectPunct(')', 'expected ")" to close VARCHAR(');
    return { kind: 'VARCHAR', length: n.value, nullable: true };
  }

  parseTimestamp(name: 'TIMESTAMP' | 'TIMESTAMP_LTZ'): LogicalType {
    let precision = TIMESTAMP_DEFAULT_PRECISION;
    if (this.isPunct(this.peek(), '(')) {
      this.next();
      const p = this.wholeNumber(`the ${name} precision`);
      if (p.value > TIMESTAMP_MAX_PRECISION) {
        throw new TypeSyntaxError(
          `${name} precision must be 0..${TIMESTAMP_MAX_PRECISION}, got ${p.token.value}`,
          p.token.position,
          [],
        );
      }
      precision = p.value;
      this.expectPunct(')', `expected ")" to close ${name}(`);
    }
    let kind: 'TIMESTAMP' | 'TIMESTAMP_LTZ' = name;
    if (name === 'TIMESTAMP') {
      // Flink's long spellings: TIMESTAMP(3) WITH LOCAL TIME ZONE, TIMESTAMP WITHOUT TIME ZONE.
      if (this.isWord(this.peek(), 'WITH')) {
        this.next();
        this.expectWord('LOCAL', 'expected LOCAL TIME ZONE after TIMESTAMP ... WITH');
        this.expectWord('TIME', 'expected TIME ZONE after WITH LOCAL');
        this.expectWord('ZONE', 'expected ZONE after WITH LOCAL TIME');
        kind = 'TIMESTAMP_LTZ';
      } else if (this.isWord(this.peek(), 'WITHOUT')) {
        this.next();
        this.expectWord('TIME', 'expected TIME ZONE after WITHOUT');
        this.expectWord('ZONE', 'expected ZONE after WITHOUT TIME');
      }
    }
    return { kind, precision, nullable: true };
  }

  parseMap(): LogicalType {
    this.expectPunct('<', 'expected "<" after MAP');
    const keyToken = this.peek();
    const key = this.parseType();
    if (COMPLEX.has(key.kind)) {
      throw new TypeSyntaxError(
        `MAP key type must be a primitive, got ${printType(key)}`,
        keyToken.position,
        [],
      );
    }
    this.expectPunct(',', 'expected "," after the MAP key type');
    const value = this.parseType();
    this.expectPunct('>', 'expected ">" to close MAP<');
    return { kind: 'MAP', key, value, nullable: true };
  }

  parseRow(): LogicalType {
    const open = this.peek();
    if (!this.isPunct(open, '<') && !this.isPunct(open, '(')) {
      this.fail('expected "<" after ROW', open, ['<', '(']);
    }
    this.next();
    const close = open.value === '<' ? '>' : ')';
    if (this.isPunct(this.peek(), close)) {
      throw new TypeSyntaxError(
        `ROW needs at least one field at ${this.peek().position}`,
        this.peek().position,
        ['a field name'],
      );
    }
    const fields: RowField[] = [];
    const seen = new Map<string, string>();
    for (;;) {
      const nameToken = this.peek();
      if (nameToken.kind !== 'word' && nameToken.kind !== 'quoted') {
        this.fail('expected a field name', nameToken, ['a field name']);
      }
      this.next();
      const name = nameToken.value;
      if (name === '')
        throw new TypeSyntaxError(`empty field name at ${nameToken.position}`, nameToken.position, []);
      const earlier = seen.get(name.toLowerCase());
      if (earlier !== undefined) {
        const detail = earlier === name ? '' : ` (same as "${earlier}" apart from case)`;
        throw new TypeSyntaxError(`duplicate field "${name}" in ROW${detail}`, nameToken.position, []);
      }
      seen.set(name.toLowerCase(), name);
      const field: RowField = { name, type: this.parseType() };
      const comment = this.parseFieldComment();
      if (comment !== undefined) field.comment = comment;
      fields.push(field);
      const sep = this.peek();
      if (this.isPunct(sep, ',')) {
        this.next();
        continue;
      }
      if (this.isPunct(sep, close)) {
        this.next();
        break;
      }
      this.fail(`expected "," or "${close}" to close ROW${open.value}`, sep, [',', close]);
    }
    return { kind: 'ROW', fields, nullable: true };
  }

  /** `COMMENT 'text'` or, as Flink prints it, just `'text'`. */
  parseFieldComment(): string | undefined {
    const token = this.peek();
    if (token.kind === 'string') {
      this.next();
      return token.value;
    }
    if (this.isWord(token, 'COMMENT')) {
      this.next();
      return this.quotedText('expected the comment in single quotes after COMMENT');
    }
    return undefined;
  }

  quotedText(what: string): string {
    const token = this.peek();
    if (token.kind !== 'string') this.fail(what, token, ["'text'"]);
    this.next();
    return token.value;
  }

  parseLiteral(): { value: DefaultLiteral; token: Token } {
    const token = this.peek();
    if (token.kind === 'string') {
      this.next();
      return { value: token.value, token };
    }
    if (token.kind === 'word') {
      const upper = token.value.toUpperCase();
      if (upper === 'TRUE' || upper === 'FALSE' || upper === 'NULL') {
        this.next();
        return { value: upper === 'NULL' ? null : upper === 'TRUE', token };
      }
    }
    let sign = '';
    if (this.isPunct(token, '-') || this.isPunct(token, '+')) {
      sign = token.value === '-' ? '-' : '';
      this.next();
    }
    const number = this.peek();
    if (number.kind !== 'number') {
      this.fail("expected a value after DEFAULT (a number, 'text', TRUE, FALSE or NULL)", number, [
        'a value',
      ]);
    }
    this.next();
    return { value: numberLiteral(sign + number.value), token };
  }
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function numberLiteral(text: string): number | bigint | string {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  const mantissa = text
    .replace(/[eE].*$/, '')
    .replace(/[-.]/g, '')
    .replace(/^0+/, '');
  return mantissa.length > 15 ? text : Number(text);
}

function parseWith<T>(text: string, body: (parser: Parser) => T): T {
  const parser = new Parser(text);
  if (parser.atEnd()) throw new TypeSyntaxError('the type is empty', 0, ['a type']);
  return body(parser);
}

/** Parses a type string. Throws TypeSyntaxError with a plain message and the offending offset. */
export function parseType(text: string): LogicalType {
  return parseWith(text, (parser) => {
    const type = parser.parseType();
    if (!parser.atEnd()) parser.unexpectedAfterType(parser.peek(), []);
    return type;
  });
}

/** Parses a top-level column string: the type, then optionally DEFAULT <literal> and COMMENT '<text>' (either order). */
export function parseColumnType(text: string): ColumnTypeSpec {
  return parseWith(text, (parser) => {
    const spec: ColumnTypeSpec = { type: parser.parseType() };
    while (!parser.atEnd()) {
      const token = parser.next();
      if (parser.isWord(token, 'DEFAULT') && !('default' in spec)) {
        const literal = parser.parseLiteral();
        if (literal.value === null && !spec.type.nullable) {
          throw new TypeSyntaxError(
            `DEFAULT NULL on a NOT NULL column at ${literal.token.position}`,
            literal.token.position,
            [],
          );
        }
        spec.default = literal.value;
      } else if (parser.isWord(token, 'COMMENT') && spec.comment === undefined) {
        spec.comment = parser.quotedText('expected the comment in single quotes after COMMENT');
      } else if (parser.isWord(token, 'DEFAULT') || parser.isWord(token, 'COMMENT')) {
        throw new TypeSyntaxError(
          `${token.value.toUpperCase()} given twice at ${token.position}`,
          token.position,
          [],
        );
      } else {
        const expected = ['DEFAULT', 'COMMENT'].filter((k) =>
          k === 'DEFAULT' ? !('default' in spec) : spec.comment === undefined,
        );
        parser.unexpectedAfterType(token, expected);
      }
    }
    return spec;
  });
}
