import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StageError } from '../core/errors.ts';
import type { LogicalType } from '../core/types.ts';
import { compileCondition, compileExpr } from './index.ts';

// ---- dynamic mode: plain parsed-JSON records ----------------------------------------------------

const event = {
  name: '  Knight Ärger ',
  hero: '勇者😀',
  level: 7,
  gold: 2.5,
  huge: 9007199254740993n,
  vip: true,
  flag: null,
  role: { level: 3, class: 'mage', tags: ['a', 'b'] },
  items: [{ id: 10 }, { id: 20 }],
  time: '2026-03-04 05:06:07',
  epoch: 1767225600,
  body: '{"a":{"b":[1,{"c":"x"}]},"n":12345678901234567890}',
  level_text: '12',
  constructor: 'own',
};

const DYNAMIC: [string, unknown][] = [
  ['level + 1', 8],
  ['level - 10', -3],
  ['level * gold', 17.5],
  ['level / 2', 3], // integer division, as Flink
  ['level / 2.0', 3.5],
  ['level % 4', 3],
  ['level / 0', null],
  ['-level', -7],
  ['huge + 1', 9007199254740994n],
  ['huge - huge', 0],
  ['level_text + 1', 13],
  ['trim(name)', 'Knight Ärger'],
  ["upper(trim(name)) || '!'", 'KNIGHT ÄRGER!'],
  ['char_length(hero)', 3],
  ['substring(hero, 2)', '者😀'],
  ['reverse(hero)', '😀者勇'],
  ["lpad(hero, 5, '*')", '**勇者😀'],
  ["position('😀' IN hero)", 3],
  ["concat('a', level, 'b')", 'a7b'],
  ["concat('a', flag)", null],
  ["concat_ws('-', 'a', flag, 'b')", 'a-b'],
  ['role.level', 3],
  ['role.class', 'mage'],
  ['role.missing', null],
  ["role['tags'][2]", 'b'],
  ['items[2].id', 20],
  ['items[3]', null],
  ['`constructor`', 'own'],
  ['role.tags', ['a', 'b']],
  ['level > 5 AND vip', true],
  ['level IN (1, 7, 9)', true],
  ['level_text IN (12)', true],
  ['level NOT IN (1, 2)', true],
  ['level BETWEEN 7 AND 8', true],
  ['level NOT BETWEEN 1 AND 6', true],
  ["role.class LIKE 'ma%'", true],
  ["role.class LIKE '_a_e'", true],
  ['flag IS NULL', true],
  ['vip IS TRUE', true],
  ["CASE WHEN level > 10 THEN 'high' WHEN level > 5 THEN 'mid' ELSE 'low' END", 'mid'],
  ["CASE role.class WHEN 'mage' THEN 1 WHEN 'tank' THEN 2 END", 1],
  ['coalesce(flag, level)', 7],
  ["if(vip, 'v', 'n')", 'v'],
  ['nullif(level, 7)', null],
  ['greatest(level, 3, 9)', 9],
  ['least(level, 3, 9)', 3],
  ['abs(-3)', 3],
  ['round(gold)', 3],
  ['round(2.675, 2)', '2.68'], // DECIMAL literal: decimal text out
  ['CAST(level AS STRING)', '7'],
  ['CAST(level_text AS INT) * 2', 24],
  ['CAST(gold AS DECIMAL(5, 2))', '2.50'],
  ['CAST(time AS TIMESTAMP)', '2026-03-04 05:06:07'],
  ['CAST(time AS DATE)', '2026-03-04'],
  ["TRY_CAST('x' AS INT)", null],
  ['to_timestamp(time)', '2026-03-04 05:06:07'],
  ["date_format(time, 'yyyy/MM/dd HH')", '2026/03/04 05'],
  ['year(time) * 100 + month(time)', 202603],
  ['dayofmonth(time)', 4],
  ['hour(time)', 5],
  ['from_unixtime(epoch)', '2026-01-01 00:00:00'],
  ["unix_timestamp('2026-01-01 00:00:00')", 1767225600],
  ["timestampadd(MONTH, 1, DATE '2026-01-31')", '2026-02-28 00:00:00'],
  ["datediff('2026-03-01', '2026-02-01')", 28],
  ["date_add('2026-12-31', 1)", '2027-01-01'],
  ["json_value(body, '$.a.b[1].c')", 'x'],
  ["json_value(body, '$.n')", '12345678901234567890'],
  ["json_value(role, '$.tags[0]')", 'a'],
  ["json_exists(body, '$.a.b[5]')", false],
  ["split_index('a,b,c', ',', 2)", 'c'],
  ["regexp_extract('foothebar', 'foo(.*?)(bar)', 1)", 'the'],
  ["regexp_replace('a1b22', '[0-9]+', '#')", 'a#b#'],
  ["initcap('hello wORLD-x')", 'Hello World-X'],
  ["replace('aXbX', 'X', '')", 'ab'],
  ["md5('abc')", '900150983cd24fb0d6963f7d28e17f72'],
  ['9223372036854775807', 9223372036854775807n],
  ["DATE '2026-01-01'", '2026-01-01'],
  ['NULL', null],
];

test('dynamic mode: expressions over a plain record', () => {
  const failures: string[] = [];
  for (const [text, expected] of DYNAMIC) {
    try {
      const actual = compileExpr(text, { dynamic: true }).evaluate(event);
      try {
        assert.deepStrictEqual(actual, expected);
      } catch {
        failures.push(`${text}: got ${String(actual)} (${typeof actual}), want ${String(expected)}`);
      }
    } catch (e) {
      failures.push(`${text}: threw ${(e as Error).message}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(DYNAMIC.length >= 40);
});

test('dynamic mode: fields lists the top-level names referenced', () => {
  const e = compileExpr('role.level + items[1].id + coalesce(flag, 0)', { dynamic: true });
  assert.deepEqual(e.fields.sort(), ['flag', 'items', 'role']);
});

// ---- typed mode: Row runtime forms ----------------------------------------------------------------

const fields = new Map<string, LogicalType>([
  ['id', { kind: 'BIGINT', nullable: false }],
  ['level', { kind: 'INT', nullable: true }],
  ['price', { kind: 'DECIMAL', precision: 10, scale: 2, nullable: true }],
  ['ratio', { kind: 'DOUBLE', nullable: true }],
  ['name', { kind: 'STRING', nullable: true }],
  ['ok', { kind: 'BOOLEAN', nullable: true }],
  ['day', { kind: 'DATE', nullable: true }],
  ['ts', { kind: 'TIMESTAMP', precision: 3, nullable: true }],
  ['tags', { kind: 'ARRAY', element: { kind: 'STRING', nullable: true }, nullable: true }],
  [
    'attrs',
    {
      kind: 'MAP',
      key: { kind: 'STRING', nullable: false },
      value: { kind: 'INT', nullable: true },
      nullable: true,
    },
  ],
  [
    'role',
    {
      kind: 'ROW',
      fields: [
        { name: 'level', type: { kind: 'INT', nullable: true } },
        { name: 'class', type: { kind: 'STRING', nullable: true } },
      ],
      nullable: true,
    },
  ],
]);

const TS = Date.UTC(2026, 2, 4, 5, 6, 7, 890) * 1000; // 2026-03-04 05:06:07.890
const row = {
  id: 42n,
  level: 7,
  price: 1999n, // 19.99
  ratio: 0.25,
  name: 'Ärger',
  ok: null,
  day: 20516, // 2026-03-04
  ts: TS,
  tags: ['x', 'y'],
  attrs: new Map([['hp', 100]]),
  role: { level: 3, class: 'mage' },
};

const TYPED: [string, unknown, string][] = [
  ['id + 1', 43n, 'BIGINT'],
  ['id * level', 294n, 'BIGINT'],
  ['level + 1', 8, 'INT'],
  ['level / 2', 3, 'INT'],
  ['level / 2.0', 3500000n, 'DECIMAL'], // DECIMAL(.., 6): 3.500000
  ['level * ratio', 1.75, 'DOUBLE'],
  ['price * 2', 3998n, 'DECIMAL'],
  ['price + 0.01', 2000n, 'DECIMAL'],
  ['price > 19.98', true, 'BOOLEAN'],
  ['price = 19.99', true, 'BOOLEAN'],
  ['CAST(price AS STRING)', '19.99', 'STRING'],
  ['CAST(price AS INT)', 19, 'INT'],
  ['CAST(id AS DOUBLE) / 4', 10.5, 'DOUBLE'],
  ['CAST(level AS BIGINT)', 7n, 'BIGINT'],
  ['2147483647 + level', -2147483642, 'INT'], // wraps like Java
  ["name || '!'", 'Ärger!', 'STRING'],
  ['char_length(name)', 5, 'INT'],
  ['tags[1]', 'x', 'STRING'],
  ["attrs['hp']", 100, 'INT'],
  ['role.level + 1', 4, 'INT'],
  ["role.class = 'mage'", true, 'BOOLEAN'],
  ['ok IS NULL', true, 'BOOLEAN'],
  ['ok AND level > 1', null, 'BOOLEAN'],
  ['ok OR level > 1', true, 'BOOLEAN'],
  ['day', 20516, 'DATE'],
  ["day = DATE '2026-03-04'", true, 'BOOLEAN'],
  ["day < '2026-03-05'", true, 'BOOLEAN'],
  ["ts > TIMESTAMP '2026-03-04 05:06:07'", true, 'BOOLEAN'],
  ['CAST(ts AS DATE) = day', true, 'BOOLEAN'],
  ['CAST(ts AS STRING)', '2026-03-04 05:06:07.890', 'STRING'],
  ['year(ts)', 2026n, 'BIGINT'],
  ['timestampadd(HOUR, 20, ts)', TS + 20 * 3600e6, 'TIMESTAMP'],
  ["date_format(ts, 'HH:mm:ss.SSS')", '05:06:07.890', 'STRING'],
  ["datediff(ts, DATE '2026-03-01')", 3, 'INT'],
  ['coalesce(ok, FALSE)', false, 'BOOLEAN'],
  ['coalesce(level, id)', 7n, 'BIGINT'],
  ['CASE WHEN level > 5 THEN price ELSE 0 END', 1999n, 'DECIMAL'],
  ['abs(price - 20)', 1n, 'DECIMAL'],
  ['floor(price)', 19n, 'DECIMAL'],
  ['ceil(ratio)', 1, 'DOUBLE'],
  ['round(price, 1)', 200n, 'DECIMAL'],
  ['mod(level, 4)', 3, 'INT'],
  ['power(2, 10)', 1024, 'DOUBLE'],
  ['sqrt(ratio)', 0.5, 'DOUBLE'],
];

test('typed mode: expressions over a Row with its runtime forms and static types', () => {
  const failures: string[] = [];
  for (const [text, expected, kind] of TYPED) {
    try {
      const e = compileExpr(text, { fields });
      const actual = e.evaluate(row);
      if (e.type.kind !== kind) failures.push(`${text}: type ${e.type.kind}, want ${kind}`);
      try {
        assert.deepStrictEqual(actual, expected);
      } catch {
        failures.push(`${text}: got ${String(actual)} (${typeof actual}), want ${String(expected)}`);
      }
    } catch (e) {
      failures.push(`${text}: threw ${(e as Error).message}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('typed mode: DECIMAL result types follow Flink', () => {
  const t = compileExpr('price * price', { fields }).type;
  assert.deepEqual(t, { kind: 'DECIMAL', precision: 20, scale: 4, nullable: true });
  const d = compileExpr('price / 3', { fields });
  assert.equal(d.type.kind, 'DECIMAL');
  assert.equal((d.type as { scale: number }).scale, 13); // max(6, 2 + 10 + 1)
  assert.equal(d.evaluate(row), 66633333333333n); // 6.6633333333333
});

// ---- three-valued logic --------------------------------------------------------------------------

test('three-valued logic: AND, OR, NOT, IN and comparisons with NULL', () => {
  const v = (text: string) => compileExpr(text, { dynamic: true }).evaluate({ t: true, f: false, n: null });
  const table: [string, unknown][] = [
    ['t AND n', null],
    ['f AND n', false],
    ['n AND f', false],
    ['t OR n', true],
    ['f OR n', null],
    ['n OR t', true],
    ['NOT n', null],
    ['n = 1', null],
    ['n <> 1', null],
    ['1 IN (2, NULL)', null],
    ['1 IN (1, NULL)', true],
    ['1 NOT IN (2, NULL)', null],
    ['n IN (1, 2)', null],
    ['n BETWEEN 1 AND 2', null],
    ['5 BETWEEN 1 AND n', null],
    ['0 BETWEEN 1 AND n', false],
    ['n IS NULL', true],
    ['n IS NOT TRUE', true],
    ['n IS FALSE', false],
    ['f IS NOT FALSE', false],
    ["CASE WHEN n THEN 'yes' ELSE 'no' END", 'no'],
  ];
  for (const [text, expected] of table) assert.equal(v(text), expected, text);
});

test('conditions: only TRUE counts', () => {
  const c = compileCondition('level > 5', { dynamic: true });
  assert.equal(c.test({ level: 6 }), true);
  assert.equal(c.test({ level: 5 }), false);
  assert.equal(c.test({}), false); // NULL is not true
  assert.throws(() => compileCondition('level + 1', { fields }), /a condition must be TRUE or FALSE.*INT/);
});

// ---- big integers, unicode -------------------------------------------------------------------

test('big integers stay exact beyond 2^53', () => {
  const d = (text: string, rec = {}) => compileExpr(text, { dynamic: true }).evaluate(rec);
  assert.equal(d('x + 1', { x: 2n ** 60n }), 2n ** 60n + 1n);
  assert.equal(d('x * 2', { x: 2 ** 52 }), 2n ** 53n); // leaves the safe range: switches to bigint
  assert.equal(d('x - 2', { x: 2n ** 53n + 1n }), 2 ** 53 - 1); // back in the safe range: a number again
  assert.equal(d('x = 9007199254740993', { x: 9007199254740993n }), true);
  assert.equal(d('x > 9007199254740992', { x: 9007199254740993n }), true);
  assert.equal(d("CAST('123456789012345678' AS BIGINT)"), 123456789012345678n);
  assert.equal(
    compileExpr('id * 1000000000000', { fields }).evaluate({ id: 123456789n }),
    -5670419515966861312n,
  ); // BIGINT wraps at 64 bits, as Java long
  assert.equal(compileExpr('9223372036854775807 + id', { fields }).evaluate({ id: 1n }), -(2n ** 63n)); // wraps
});

test('unicode: lengths and positions count code points', () => {
  const d = (text: string) => compileExpr(text, { dynamic: true }).evaluate({ s: 'a😀b😀' });
  assert.equal(d('char_length(s)'), 4);
  assert.equal(d('length(s)'), 4);
  assert.equal(d('substring(s, 2, 2)'), '😀b');
  assert.equal(d("locate('😀', s, 3)"), 4);
  assert.equal(d("s LIKE 'a_b_'"), true);
  assert.equal(d("rpad(s, 6, '·')"), 'a😀b😀··');
  assert.equal(d('upper(s)'), 'A😀B😀');
});

// ---- run-time failures become StageError('EXPR'), never a crash ---------------------------------

test('run-time failures throw StageError with code EXPR', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['CAST(s AS INT)', { s: 'abc' }],
    ['x + 1', { x: 'abc' }],
    ['x > 1', { x: { a: 1 } }],
    ['regexp_extract(s, p)', { s: 'a', p: '(' }],
    ['CAST(s AS TIMESTAMP)', { s: 'yesterday' }],
  ];
  for (const [text, rec] of cases) {
    const e = compileExpr(text, { dynamic: true });
    assert.throws(
      () => e.evaluate(rec),
      (err: unknown) => err instanceof StageError && err.code === 'EXPR' && err.message.length > 0,
      text,
    );
  }
});

test('deeply nested input does not crash', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const e = compileExpr('CAST(x AS STRING)', { dynamic: true });
  assert.throws(() => e.evaluate({ x: deep }), StageError);
  const j = compileExpr("json_value(x, '$[0][0]')", { dynamic: true });
  assert.equal(j.evaluate({ x: `${'['.repeat(100_000)}${']'.repeat(100_000)}` }), null);
});

test('regexp functions are linear-time on hostile input', () => {
  const e = compileExpr("regexp_extract(s, '(a+)+$')", { dynamic: true });
  const start = performance.now();
  assert.equal(e.evaluate({ s: `${'a'.repeat(5000)}!` }), null);
  assert.ok(performance.now() - start < 2000);
});

test('inherited object property names are not fields', () => {
  const e = compileExpr('toString IS NULL AND role.constructor IS NULL', { dynamic: true });
  assert.equal(e.evaluate({ role: {} }), true);
});
