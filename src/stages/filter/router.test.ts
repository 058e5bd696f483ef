import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FilterConfig } from '../../config/model.ts';
import { StageError } from '../../core/errors.ts';
import { compileRouter } from './router.ts';

type Tables = Array<{ name: string; filter?: FilterConfig }>;

// Every test runs against both strategies: per-table includes and the one-pass automaton.
function routers(tables: Tables) {
  return [
    compileRouter(tables, { automatonFrom: Number.POSITIVE_INFINITY }),
    compileRouter(tables, { automatonFrom: 0 }),
  ];
}

test('contains is any-of, contains_all is all-of, both must hold; no filter takes every record', () => {
  const tables: Tables = [
    { name: 'login', filter: { contains: ['[Login]', '[Relogin]'] } },
    { name: 'all', filter: { contains_all: ['role', 'vip'] } },
    { name: 'both', filter: { contains: ['[Pay]'], contains_all: ['cny', 'ok'] } },
    { name: 'everything' },
  ];
  for (const r of routers(tables)) {
    assert.deepEqual(r.route('[Relogin] x'), ['login', 'everything']);
    assert.deepEqual(r.route('vip role'), ['all', 'everything']);
    assert.deepEqual(r.route('role only'), ['everything']);
    assert.deepEqual(r.route('[Pay] cny ok vip role [Login]'), ['login', 'all', 'both', 'everything']);
    assert.deepEqual(r.route('[Pay] cny'), ['everything']);
    assert.deepEqual(r.route(''), ['everything']);
  }
});

test('overlapping keywords and unicode', () => {
  const tables: Tables = [
    { name: 'login', filter: { contains: ['[Login]'] } },
    { name: 'login_role', filter: { contains: ['[LoginRole]'] } },
    { name: 'role', filter: { contains: ['Role]'] } },
    { name: 'hero', filter: { contains_all: ['勇者', '😀'] } },
    { name: 'aaa', filter: { contains: ['aaa'] } },
  ];
  for (const r of routers(tables)) {
    assert.deepEqual(r.route('[2026][LoginRole],{}'), ['login_role', 'role']);
    assert.deepEqual(r.route('[Login][LoginRol'), ['login']);
    assert.deepEqual(r.route('勇者 😀'), ['hero']);
    assert.deepEqual(r.route('勇者 \uD83D'), []); // half of the emoji is not the emoji
    assert.deepEqual(r.route('\u0000aa\uFFFDaaa\uD800'), ['aaa']);
  }
});

test('regex runs only after the keywords matched, and must match too', () => {
  const tables: Tables = [
    { name: 'pay', filter: { contains: ['[Pay]'], regex: '"amount":\\d{3,}' } },
    { name: 'rx', filter: { regex: '^(a+)+$' } },
  ];
  for (const r of routers(tables)) {
    assert.deepEqual(r.route('[Pay] {"amount":1000}'), ['pay']);
    assert.deepEqual(r.route('[Pay] {"amount":10}'), []);
    assert.deepEqual(r.route('{"amount":1000}'), []);
    const t0 = performance.now();
    assert.deepEqual(r.route('a'.repeat(40) + '!'), []);
    assert.ok(performance.now() - t0 < 500);
    assert.deepEqual(r.route('aaaa'), ['rx']);
  }
  assert.throws(
    () => compileRouter([{ name: 't', filter: { regex: '(a)\\1' } }]),
    /tables\.t\.filter\.regex: .*backreference/,
  );
});

test('a filter regex that gives up on a huge record is FILTER_REGEX, not a crash', () => {
  const long = `${'a'.repeat(10_000_000)}!`;
  for (const r of routers([{ name: 'ab', filter: { regex: '^(a|b)*c' } }])) {
    assert.throws(
      () => r.route(long),
      (e: unknown) =>
        e instanceof StageError &&
        e.code === 'FILTER_REGEX' &&
        /table ab: filter regex failed: .*gave up/.test(e.message),
    );
    assert.deepEqual(r.route('abbc'), ['ab']);
  }
});

test('1,000 tables: automaton routes the same as includes, on a 1 MB line too', () => {
  const tables: Tables = Array.from({ length: 1000 }, (_, i) => ({
    name: `t${i}`,
    filter: i % 3 === 0 ? { contains_all: [`[T${i}]`, `k${i % 7}`] } : { contains: [`[T${i}]`, `[T${i}x]`] },
  }));
  const [naive, automaton] = routers(tables);
  const lines = [
    '[T3] k3',
    '[T3] k3 [T999] [T1x]',
    '[T12] k5 [T12] k5',
    'no match',
    `${'x'.repeat(1024 * 1024)}[T2]`,
  ];
  for (const line of lines) assert.deepEqual(automaton!.route(line), naive!.route(line), line.slice(0, 40));
  assert.deepEqual(automaton!.route('[T3] k3 [T999] [T1x]'), ['t1', 't3']);
  assert.deepEqual(compileRouter(tables).route('[T1x]'), ['t1']);
});
