import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node } from './ast.ts';
import { tokenize } from './lexer.ts';
import { parse } from './parser.ts';

/** A compact S-expression of a tree, to compare shapes. */
function show(n: Node): string {
  switch (n.type) {
    case 'literal':
      return n.value.kind === 'NULL'
        ? 'NULL'
        : 'text' in n.value
          ? n.value.text
          : JSON.stringify(n.value.value);
    case 'field':
      return n.path.map((p) => p.name).join('.');
    case 'index':
      return `${show(n.target)}[${show(n.index)}]`;
    case 'unary':
      return `(${n.op} ${show(n.arg)})`;
    case 'binary':
      return `(${show(n.left)} ${n.op} ${show(n.right)})`;
    case 'is':
      return `(${show(n.arg)} IS ${n.negated ? 'NOT ' : ''}${n.test})`;
    case 'in':
      return `(${show(n.arg)} ${n.negated ? 'NOT IN' : 'IN'} ${n.list.map(show).join(' ')})`;
    case 'between':
      return `(${show(n.arg)} BETWEEN ${show(n.low)} ${show(n.high)})`;
    case 'like':
      return `(${show(n.arg)} ${n.negated ? 'NOT LIKE' : 'LIKE'} ${show(n.pattern)}${n.escapeChar ? ` ESCAPE ${show(n.escapeChar)}` : ''})`;
    case 'case':
      return `(CASE ${n.subject ? show(n.subject) : ''}${n.whens.map((w) => ` ${show(w.when)}→${show(w.result)}`).join('')} ELSE ${n.otherwise ? show(n.otherwise) : '-'})`;
    case 'cast':
      return `(CAST ${show(n.arg)} ${n.target})`;
    case 'call':
      return `${n.name}(${n.args.map(show).join(', ')})`;
  }
}

test('lexer: numbers, strings with escaped quotes, backquoted names, operators', () => {
  const tokens = tokenize("a.`b c` >= 1.5e3 || 'it''s' != 12");
  assert.deepEqual(
    tokens.map((t) => [t.kind, t.text, t.pos]),
    [
      ['ident', 'a', 0],
      ['op', '.', 1],
      ['quoted', 'b c', 2],
      ['op', '>=', 8],
      ['number', '1.5e3', 11],
      ['op', '||', 17],
      ['string', "it's", 20],
      ['op', '<>', 28],
      ['number', '12', 31],
      ['eof', '', 33],
    ],
  );
});

test('lexer: unicode identifiers and strings', () => {
  const tokens = tokenize("名字 = '玩家😀'");
  assert.equal(tokens[0]!.text, '名字');
  assert.equal(tokens[2]!.text, '玩家😀');
});

test('parser: precedence of arithmetic, concat, comparison and logic', () => {
  assert.equal(show(parse('a + b * c - d')), '((a + (b * c)) - d)');
  assert.equal(show(parse("a || b + 1 = 'x'")), '((a || (b + 1)) = "x")');
  assert.equal(show(parse('NOT a = 1 AND b OR c')), '(((NOT (a = 1)) AND b) OR c)');
  assert.equal(show(parse('-a * 2')), '((- a) * 2)');
  assert.equal(show(parse('-5 + 1')), '(-5 + 1)');
  assert.equal(show(parse('(a + b) * c')), '((a + b) * c)');
});

test('parser: keywords are case-insensitive', () => {
  assert.equal(show(parse('a is not null and b In (1, 2)')), '((a IS NOT NULL) AND (b IN 1 2))');
  assert.equal(show(parse("x not like 'a%' escape '!'")), '(x NOT LIKE "a%" ESCAPE "!")');
});

test('parser: predicates', () => {
  assert.equal(show(parse('x BETWEEN 1 AND 5 AND y')), '((x BETWEEN 1 5) AND y)');
  assert.equal(show(parse('x NOT IN (1, 2)')), '(x NOT IN 1 2)');
  assert.equal(show(parse('flag IS NOT TRUE')), '(flag IS NOT TRUE)');
  assert.equal(show(parse("s LIKE 'a\\%%' ESCAPE '\\'")), '(s LIKE "a\\\\%%" ESCAPE "\\\\")');
});

test('parser: paths, indexes, calls and special forms', () => {
  assert.equal(show(parse('role.level')), 'role.level');
  assert.equal(show(parse('items[1].name')), 'items[1]["name"]');
  assert.equal(show(parse("m['k']")), 'm["k"]');
  assert.equal(show(parse('LOWER(a, 1)')), 'lower(a, 1)');
  assert.equal(show(parse("position('b' IN s)")), 'position("b", s)');
  assert.equal(show(parse('substring(s FROM 2 FOR 3)')), 'substring(s, 2, 3)');
  assert.equal(show(parse('EXTRACT(DAY FROM ts)')), 'dayofmonth(ts)');
  assert.equal(show(parse('current_timestamp')), 'current_timestamp()');
  assert.equal(show(parse('CAST(x AS DECIMAL(10, 2))')), '(CAST x DECIMAL(10, 2))');
  assert.equal(show(parse("CASE x WHEN 1 THEN 'a' ELSE 'b' END")), '(CASE x 1→"a" ELSE "b")');
  assert.equal(show(parse('CASE WHEN a THEN 1 END')), '(CASE  a→1 ELSE -)');
  assert.equal(show(parse("DATE '2026-01-01'")), '"2026-01-01"');
});

test('parser: node spans point into the text', () => {
  const n = parse('a + lower(b)');
  assert.equal(n.type, 'binary');
  if (n.type !== 'binary') return;
  assert.deepEqual([n.right.pos, n.right.len], [4, 8]);
  assert.deepEqual([n.opSpan.pos, n.opSpan.len], [2, 1]);
});

test('parser: deep nesting is a clear error, not a stack overflow', () => {
  assert.throws(() => parse(`${'('.repeat(5000)}1${')'.repeat(5000)}`), /nested too deeply/);
  assert.throws(() => parse(`${'-'.repeat(5000)}1`), /nested too deeply/);
});
