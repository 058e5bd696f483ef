// Recursive-descent parser: expression text → syntax tree. Precedence, loosest first:
// OR, AND, NOT, comparison/IS/IN/BETWEEN/LIKE, ||, + -, * / %, unary - +, postfix [i] and .name.
import type { BinaryOp, LiteralValue, Node, PathStep } from './ast.ts';
import { ExprError, type Span } from './errors.ts';
import { type Token, tokenize } from './lexer.ts';

const RESERVED = new Set([
  'AND',
  'OR',
  'NOT',
  'NULL',
  'TRUE',
  'FALSE',
  'IS',
  'IN',
  'BETWEEN',
  'LIKE',
  'ESCAPE',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'CAST',
  'AS',
]);

/** Zero-argument functions written without parentheses, as in SQL. */
const NILADIC = new Set(['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'LOCALTIMESTAMP']);

const EXTRACT_UNITS = new Set(['YEAR', 'QUARTER', 'MONTH', 'WEEK', 'DAY', 'HOUR', 'MINUTE', 'SECOND']);

const MAX_DEPTH = 200;

export function parse(text: string): Node {
  return new Parser(text).parseAll();
}

class Parser {
  private readonly tokens: Token[];
  private readonly text: string;
  private i = 0;
  private depth = 0;

  constructor(text: string) {
    this.text = text;
    this.tokens = tokenize(text);
  }

  parseAll(): Node {
    if (this.peek().kind === 'eof') throw new ExprError('the expression is empty', 1);
    const node = this.expr();
    const t = this.peek();
    if (t.kind !== 'eof') throw this.unexpected(t, 'end of expression');
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }

  private acceptWord(word: string): Token | null {
    return this.isWord(word) ? this.next() : null;
  }

  private expectWord(word: string): Token {
    const t = this.peek();
    if (!this.isWord(word)) throw this.unexpected(t, word);
    return this.next();
  }

  private isOp(op: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === op;
  }

  private expectOp(op: string): Token {
    const t = this.peek();
    if (!this.isOp(op)) throw this.unexpected(t, `"${op}"`);
    return this.next();
  }

  private unexpected(t: Token, expected: string): ExprError {
    if (t.kind === 'eof') return new ExprError(`expected ${expected} but the expression ended`, t.pos + 1);
    const shown = t.kind === 'string' ? `'${t.text}'` : this.text.slice(t.pos, t.pos + t.len);
    return new ExprError(`expected ${expected}, found "${shown}"`, t.pos + 1, t.len);
  }

  private spanFrom(start: number): Span {
    const last = this.tokens[this.i - 1]!;
    return { pos: start, len: last.pos + last.len - start };
  }

  private expr(): Node {
    if (++this.depth > MAX_DEPTH) {
      throw new ExprError(
        `the expression is nested too deeply (more than ${MAX_DEPTH} levels)`,
        this.peek().pos + 1,
      );
    }
    const node = this.or();
    this.depth--;
    return node;
  }

  private binaryChain(ops: string[], operand: () => Node, words: boolean): Node {
    let left = operand();
    for (;;) {
      const t = this.peek();
      const op = words ? (t.kind === 'ident' ? t.text.toUpperCase() : '') : t.kind === 'op' ? t.text : '';
      if (!ops.includes(op)) return left;
      this.next();
      const right = operand();
      left = {
        type: 'binary',
        op: op as BinaryOp,
        left,
        right,
        opSpan: { pos: t.pos, len: t.len },
        pos: left.pos,
        len: right.pos + right.len - left.pos,
      };
    }
  }

  private or(): Node {
    return this.binaryChain(['OR'], () => this.and(), true);
  }

  private and(): Node {
    return this.binaryChain(['AND'], () => this.not(), true);
  }

  private not(): Node {
    const t = this.acceptWord('NOT');
    if (!t) return this.predicate();
    if (++this.depth > MAX_DEPTH) throw new ExprError('the expression is nested too deeply', t.pos + 1);
    const arg = this.not();
    this.depth--;
    return { type: 'unary', op: 'NOT', arg, pos: t.pos, len: arg.pos + arg.len - t.pos };
  }

  private predicate(): Node {
    const left = this.concat();
    const t = this.peek();
    if (t.kind === 'op' && ['=', '<>', '<', '<=', '>', '>='].includes(t.text)) {
      this.next();
      const right = this.concat();
      const node: Node = {
        type: 'binary',
        op: t.text as BinaryOp,
        left,
        right,
        opSpan: { pos: t.pos, len: t.len },
        pos: left.pos,
        len: right.pos + right.len - left.pos,
      };
      const again = this.peek();
      if (again.kind === 'op' && ['=', '<>', '<', '<=', '>', '>='].includes(again.text)) {
        throw new ExprError(`comparisons cannot be chained; combine them with AND`, again.pos + 1, again.len);
      }
      return node;
    }
    if (this.isWord('IS')) {
      this.next();
      const negated = this.acceptWord('NOT') !== null;
      const w = this.peek();
      const test = w.kind === 'ident' ? w.text.toUpperCase() : '';
      if (test !== 'NULL' && test !== 'TRUE' && test !== 'FALSE')
        throw this.unexpected(w, 'NULL, TRUE or FALSE');
      this.next();
      return { type: 'is', arg: left, test, negated, ...this.spanFrom(left.pos) };
    }
    let negated = false;
    if (this.isWord('NOT') && (this.isWord('IN', 1) || this.isWord('BETWEEN', 1) || this.isWord('LIKE', 1))) {
      this.next();
      negated = true;
    }
    if (this.acceptWord('IN')) {
      this.expectOp('(');
      const list: Node[] = [];
      do list.push(this.expr());
      while (this.isOp(',') && this.next());
      this.expectOp(')');
      return { type: 'in', arg: left, list, negated, ...this.spanFrom(left.pos) };
    }
    if (this.acceptWord('BETWEEN')) {
      this.acceptWord('SYMMETRIC') ?? this.acceptWord('ASYMMETRIC');
      const low = this.concat();
      this.expectWord('AND');
      const high = this.concat();
      return { type: 'between', arg: left, low, high, negated, ...this.spanFrom(left.pos) };
    }
    if (this.acceptWord('LIKE')) {
      const pattern = this.concat();
      const escapeChar = this.acceptWord('ESCAPE') ? this.concat() : null;
      return { type: 'like', arg: left, pattern, escapeChar, negated, ...this.spanFrom(left.pos) };
    }
    if (negated) throw this.unexpected(this.peek(), 'IN, BETWEEN or LIKE');
    return left;
  }

  private concat(): Node {
    return this.binaryChain(['||'], () => this.additive(), false);
  }

  private additive(): Node {
    return this.binaryChain(['+', '-'], () => this.multiplicative(), false);
  }

  private multiplicative(): Node {
    return this.binaryChain(['*', '/', '%'], () => this.unary(), false);
  }

  private unary(): Node {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.next();
      if (++this.depth > MAX_DEPTH) throw new ExprError('the expression is nested too deeply', t.pos + 1);
      const arg = this.unary();
      this.depth--;
      // Fold `-123` into one literal so that -9223372036854775808 stays a BIGINT.
      if (arg.type === 'literal' && arg.value.kind !== 'NULL' && 'text' in arg.value && t.text === '-') {
        const text = arg.value.text.startsWith('-') ? arg.value.text.slice(1) : `-${arg.value.text}`;
        const value = { ...arg.value, text } as LiteralValue;
        return { type: 'literal', value, pos: t.pos, len: arg.pos + arg.len - t.pos };
      }
      return { type: 'unary', op: t.text, arg, pos: t.pos, len: arg.pos + arg.len - t.pos };
    }
    return this.postfix(this.primary());
  }

  private postfix(node: Node): Node {
    for (;;) {
      if (this.isOp('[')) {
        this.next();
        const index = this.expr();
        this.expectOp(']');
        node = { type: 'index', target: node, index, ...this.spanFrom(node.pos) };
      } else if (this.isOp('.') && node.type !== 'field') {
        this.next();
        const name = this.name('a field name after "."');
        const index: Node = { type: 'literal', value: { kind: 'STRING', value: name.name }, ...name.span };
        node = { type: 'index', target: node, index, ...this.spanFrom(node.pos) };
      } else {
        return node;
      }
    }
  }

  private name(expected: string): PathStep {
    const t = this.peek();
    if (t.kind === 'quoted' || (t.kind === 'ident' && !RESERVED.has(t.text.toUpperCase()))) {
      this.next();
      return { name: t.text, span: { pos: t.pos, len: t.len } };
    }
    throw this.unexpected(t, expected);
  }

  private primary(): Node {
    const t = this.peek();
    const span = { pos: t.pos, len: t.len };
    switch (t.kind) {
      case 'number': {
        this.next();
        const kind = /[eE]/.test(t.text) ? 'DOUBLE' : t.text.includes('.') ? 'DECIMAL' : 'INTEGER';
        return { type: 'literal', value: { kind, text: t.text }, ...span };
      }
      case 'string':
        this.next();
        return { type: 'literal', value: { kind: 'STRING', value: t.text }, ...span };
      case 'quoted':
        return this.fieldPath();
      case 'op':
        if (t.text === '(') {
          this.next();
          const inner = this.expr();
          this.expectOp(')');
          return { ...inner, ...this.spanFrom(t.pos) };
        }
        throw this.unexpected(t, 'a value, field or function');
      case 'eof':
        throw this.unexpected(t, 'a value, field or function');
    }
    const word = t.text.toUpperCase();
    switch (word) {
      case 'NULL':
        this.next();
        return { type: 'literal', value: { kind: 'NULL' }, ...span };
      case 'TRUE':
      case 'FALSE':
        this.next();
        return { type: 'literal', value: { kind: 'BOOLEAN', value: word === 'TRUE' }, ...span };
      case 'CASE':
        return this.caseExpr();
      case 'CAST':
        return this.cast(false);
      case 'DATE':
      case 'TIMESTAMP':
        if (this.peek(1).kind === 'string') {
          this.next();
          const s = this.next();
          return { type: 'literal', value: { kind: word, value: s.text }, ...this.spanFrom(t.pos) };
        }
        break;
    }
    if (word === 'TRY_CAST' && this.peek(1).text === '(') return this.cast(true);
    if (RESERVED.has(word)) throw this.unexpected(t, 'a value, field or function');
    if (this.peek(1).kind === 'op' && this.peek(1).text === '(') return this.call();
    if (NILADIC.has(word)) {
      this.next();
      return { type: 'call', name: word.toLowerCase(), args: [], nameSpan: span, ...span };
    }
    return this.fieldPath();
  }

  private fieldPath(): Node {
    const path = [this.name('a field name')];
    while (this.isOp('.')) {
      this.next();
      path.push(this.name('a field name after "."'));
    }
    return { type: 'field', path, ...this.spanFrom(path[0]!.span.pos) };
  }

  private caseExpr(): Node {
    const start = this.next();
    const subject = this.isWord('WHEN') ? null : this.expr();
    const whens: { when: Node; result: Node }[] = [];
    while (this.acceptWord('WHEN')) {
      const when = this.expr();
      this.expectWord('THEN');
      whens.push({ when, result: this.expr() });
    }
    if (whens.length === 0) throw this.unexpected(this.peek(), 'WHEN');
    const otherwise = this.acceptWord('ELSE') ? this.expr() : null;
    this.expectWord('END');
    return { type: 'case', subject, whens, otherwise, ...this.spanFrom(start.pos) };
  }

  private cast(tryCast: boolean): Node {
    const start = this.next();
    this.expectOp('(');
    const arg = this.expr();
    this.expectWord('AS');
    const first = this.peek();
    if (first.kind !== 'ident') throw this.unexpected(first, 'a type name');
    // The type is handed to the type parser as text: everything up to the matching ")".
    let depth = 0;
    while (this.peek().kind !== 'eof') {
      const t = this.peek();
      if (t.kind === 'op' && (t.text === '(' || t.text === '<')) depth++;
      if (t.kind === 'op' && (t.text === ')' || t.text === '>')) {
        if (depth === 0) break;
        depth--;
      }
      this.next();
    }
    const end = this.peek();
    const target = this.text.slice(first.pos, end.pos).trim();
    const targetSpan = { pos: first.pos, len: Math.max(1, end.pos - first.pos) };
    this.expectOp(')');
    return { type: 'cast', arg, target, targetSpan, tryCast, ...this.spanFrom(start.pos) };
  }

  private call(): Node {
    const nameTok = this.next();
    const name = nameTok.text.toLowerCase();
    const nameSpan = { pos: nameTok.pos, len: nameTok.len };
    this.expectOp('(');
    const args: Node[] = [];
    if (name === 'extract') {
      const unit = this.peek();
      if (unit.kind !== 'ident' || !EXTRACT_UNITS.has(unit.text.toUpperCase())) {
        throw this.unexpected(unit, `a unit (${[...EXTRACT_UNITS].join(', ')})`);
      }
      this.next();
      this.expectWord('FROM');
      const arg = this.expr();
      this.expectOp(')');
      const fn = unit.text.toUpperCase() === 'DAY' ? 'dayofmonth' : unit.text.toLowerCase();
      return { type: 'call', name: fn, args: [arg], nameSpan, ...this.spanFrom(nameTok.pos) };
    }
    if (!this.isOp(')')) {
      // position(sub IN s): the first argument stops before IN.
      args.push(name === 'position' ? this.concat() : this.expr());
      if (name === 'position' && this.acceptWord('IN')) {
        args.push(this.expr());
      } else if (name === 'substring' && this.acceptWord('FROM')) {
        args.push(this.expr());
        if (this.acceptWord('FOR')) args.push(this.expr());
      } else {
        while (this.isOp(',')) {
          this.next();
          args.push(this.expr());
        }
      }
    }
    this.expectOp(')');
    return { type: 'call', name, args, nameSpan, ...this.spanFrom(nameTok.pos) };
  }
}
