import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StageError } from '../../core/errors.ts';
import { compileParser } from './index.ts';
import { compileUserRegex } from './regex.ts';

const pos = (line: number, split = 'a.csv') => ({ split, offset: 0, line });

function stageError(fn: () => unknown, code: string): StageError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StageError, `expected StageError, got ${e}`);
    assert.equal(e.code, code);
    return e;
  }
  assert.fail('expected a StageError');
}

test('json: objects parse; big integers stay exact; small ones stay numbers', () => {
  const p = compileParser({ json: {} });
  assert.deepEqual(p('{"a":1,"b":"x","c":[true,null]}'), { a: 1, b: 'x', c: [true, null] });
  const r = p('{"id":12345678901234567890,"n":-9007199254740993,"safe":1234567890123456,"f":1.5e300}')!;
  assert.equal(r.id, 12345678901234567890n);
  assert.equal(r.n, -9007199254740993n);
  assert.equal(r.safe, 1234567890123456);
  assert.equal(r.f, 1.5e300);
  assert.deepEqual(p('{"s":"12345678901234567890","o":{"x":[99999999999999999]}}'), {
    s: '12345678901234567890',
    o: { x: [99999999999999999n] },
  });
  assert.deepEqual(p('\uFEFF{"a":1}'), { a: 1 });
  // Found wherever it sits (the check walks the parsed value, not the text).
  assert.deepEqual(p('{"items":[{"id":1},{"id":18446744073709551615,"e":1e20}]}'), {
    items: [{ id: 1 }, { id: 18446744073709551615n, e: 1e20 }],
  });
});

test('json: exact path agrees with JSON.parse on escapes, unicode and __proto__', () => {
  const p = compileParser({ json: {} });
  const text =
    '{"big":12345678901234567890,"e":"a\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00","u":"勇者😀","__proto__":{"x":1},"d":1,"d":2}';
  const r = p(text)!;
  const ref = JSON.parse(text.replace('12345678901234567890', '0'));
  assert.equal(r.big, 12345678901234567890n);
  assert.equal(r.e, ref.e);
  assert.equal(r.u, ref.u);
  assert.deepEqual(Object.getOwnPropertyDescriptor(r, '__proto__')?.value, { x: 1 });
  assert.equal(Object.getPrototypeOf(r), Object.prototype);
  assert.equal(r.d, 2);
});

test('json: top-level arrays and scalars are PARSE_JSON with a plain message', () => {
  const p = compileParser({ json: {} });
  assert.match(stageError(() => p('[1,2]'), 'PARSE_JSON').message, /must be an object.*an array/);
  assert.match(stageError(() => p('42'), 'PARSE_JSON').message, /a number/);
  assert.match(stageError(() => p('null'), 'PARSE_JSON').message, /null/);
});

test('json: malformed input names the position', () => {
  const p = compileParser({ json: {} });
  const full = JSON.stringify({ role_id: 1, name: 'x'.repeat(100), vip: { lv: 2 } });
  const truncated = full.slice(0, 120);
  assert.equal(
    stageError(() => p(truncated), 'PARSE_JSON').message,
    'unexpected end of JSON at character 120',
  );
  assert.equal(stageError(() => p(''), 'PARSE_JSON').message, 'unexpected end of JSON at character 0');
  assert.equal(
    stageError(() => p('{"a":tru}'), 'PARSE_JSON').message,
    "unexpected character 't' in JSON at character 5",
  );
  assert.match(
    stageError(() => p('{"a":1}x'), 'PARSE_JSON').message,
    /after the end of the JSON value in JSON at character 7/,
  );
  assert.match(stageError(() => p('{"a":[1,2,}'), 'PARSE_JSON').message, /character 10/);
  // The exact path reports positions the same way.
  assert.equal(
    stageError(() => p('{"id":12345678901234567890,'), 'PARSE_JSON').message,
    'unexpected end of JSON at character 27',
  );
  const e = stageError(() => p('{"a":1,}'), 'PARSE_JSON');
  assert.equal(e.errorClass, 'SyntaxError');
  assert.match(e.message, /property name.*character 7/);
});

test('json: NUL bytes, U+FFFD, lone surrogates', () => {
  const p = compileParser({ json: {} });
  assert.match(stageError(() => p('\u0000{}'), 'PARSE_JSON').message, /U\+0000.*character 0/);
  assert.match(
    stageError(() => p('{"a":"x\u0000"}'), 'PARSE_JSON').message,
    /control character U\+0000.*character 7/,
  );
  assert.deepEqual(p('{"a":"\\u0000\uFFFD"}'), { a: '\u0000\uFFFD' });
  assert.match(stageError(() => p('\uFFFD{"a":1}'), 'PARSE_JSON').message, /not valid UTF-8/);
  assert.deepEqual(p('{"a":"\uD800x","b":"\\udc00"}'), { a: '\uD800x', b: '\uDC00' });
  assert.match(stageError(() => p('{"a":1}\uD800'), 'PARSE_JSON').message, /lone surrogate U\+D800/);
});

test('json: 1,000+ deep nesting and a 10 MB line, on both paths', () => {
  const p = compileParser({ json: {} });
  for (const leaf of ['1', '12345678901234567890']) {
    const deep = '{"a":'.repeat(5000) + leaf + '}'.repeat(5000);
    let v: unknown = p(deep);
    for (let i = 0; i < 5000; i++) v = (v as { a: unknown }).a;
    assert.equal(String(v), leaf);
    assert.equal(
      stageError(() => p('{"a":'.repeat(5000) + leaf), 'PARSE_JSON').message.startsWith('unexpected end'),
      true,
    );
  }
  const big = `{"id":12345678901234567890,"s":"${'x'.repeat(10 * 1024 * 1024)}"}`;
  assert.equal((p(big)!.s as string).length, 10 * 1024 * 1024);
  assert.match(stageError(() => p(big.slice(0, -2)), 'PARSE_JSON').message, /end of JSON/);
});

test('regex: named groups become fields; no match is PARSE_REGEX_NO_MATCH', () => {
  const p = compileParser({
    regex: {
      pattern:
        '^(?<ip>\\S+) - (?<user>\\S+) \\[(?<time>[^\\]]+)\\] "(?<method>\\S+) (?<path>\\S+)(?: (?<proto>[^"]+))?"',
    },
  });
  assert.deepEqual(p('10.0.0.1 - - [25/Nov/2026:10:00:01 +0800] "GET /a/勇者 HTTP/1.1" 200'), {
    ip: '10.0.0.1',
    user: '-',
    time: '25/Nov/2026:10:00:01 +0800',
    method: 'GET',
    path: '/a/勇者',
    proto: 'HTTP/1.1',
  });
  assert.deepEqual(Object.keys(p('1 - - [t] "GET /x"')!), ['ip', 'user', 'time', 'method', 'path']);
  stageError(() => p('garbage\u0000\uFFFD\uD800'), 'PARSE_REGEX_NO_MATCH');
  assert.throws(() => compileParser({ regex: { pattern: '^\\S+$' } }), /no named groups/);
  assert.throws(() => compileParser({ regex: { pattern: '(?<a>x' } }), /invalid regex/);
});

test('user regex: ReDoS patterns finish in milliseconds on both engines', () => {
  const evil = 'a'.repeat(40) + '!';
  for (const pattern of ['^(?<x>a+)+$', '^(?<x>a|a)*$', '^(?<x>a{1,200})+$', '(?i)^(?<x>a+)+$']) {
    const re = compileUserRegex(pattern);
    const t0 = performance.now();
    assert.equal(re.exec(evil), null);
    assert.equal(re.test(evil), false);
    assert.ok(performance.now() - t0 < 500, `${pattern} (${re.engine}) took ${performance.now() - t0} ms`);
  }
  assert.equal(compileUserRegex('^(a+)+$').engine, 'native');
  assert.equal(compileUserRegex('^a{1,1000}$').engine, 're2js');
});

test('a record too long for the pattern is PARSE_REGEX_TIMEOUT, in the regex and the oplog header', () => {
  // V8 throws RangeError when ^(a|b)* backtracks over millions of characters
  const long = `${'a'.repeat(10_000_000)}!`;
  const regex = compileParser({ regex: { pattern: '^(?<ab>(a|b)*)c' } });
  const e = stageError(() => regex(long), 'PARSE_REGEX_TIMEOUT');
  assert.equal(e.errorClass, 'RangeError');
  assert.match(e.message, /gave up on this record of 10000001 characters.*simplify the pattern/);
  stageError(() => regex('aab'), 'PARSE_REGEX_NO_MATCH');
  const oplog = compileParser({ oplog: { header: '^(?<h>(a|b)*)\\|' } });
  stageError(() => oplog(`${long}|{}`), 'PARSE_REGEX_TIMEOUT');
  assert.deepEqual(oplog('ab|{"x":1}'), { x: 1, h: 'ab' });
});

test('user regex: unbounded features are refused; Python-style and \\p groups work', () => {
  assert.throws(() => compileUserRegex('(a)\\1'), /backreference.*stall/);
  assert.throws(() => compileUserRegex('a(?=b)'), /lookahead/);
  assert.deepEqual(compileUserRegex('(?P<n>\\d+)').exec('x42'), { n: '42' });
  assert.deepEqual(compileUserRegex('(?<w>\\p{Han}+)').exec('ab勇者c'), { w: '勇者' });
  assert.deepEqual(compileUserRegex('(?<c>.)$').exec('x😀'), { c: '\uDE00' }); // native: code units
});

test('csv: RFC 4180 quoting, escapes, embedded newlines, CRLF', () => {
  const p = compileParser({ csv: { delimiter: ',', quote: '"', columns: ['a', 'b', 'c'], header: false } });
  assert.deepEqual(p('1,"x, ""y""",'), { a: '1', b: 'x, "y"', c: '' });
  assert.deepEqual(p('"line1\nline2",b,"c"\r'), { a: 'line1\nline2', b: 'b', c: 'c' });
  assert.deepEqual(p('"",,"\u0000\uFFFD\uD800"'), { a: '', b: '', c: '\u0000\uFFFD\uD800' });
  assert.equal(stageError(() => p('1,2'), 'PARSE_CSV').message, 'expected 3 fields (a, b, c), got 2');
  assert.match(stageError(() => p('1,"2,3'), 'PARSE_CSV').message, /starting at character 2 is never closed/);
  assert.match(stageError(() => p('1,"2"x,3'), 'PARSE_CSV').message, /after the closing quote/);
});

test('csv: custom delimiter and quote; header names per split', () => {
  const tsv = compileParser({ csv: { delimiter: '\t', quote: "'", columns: ['k', 'v'], header: true } });
  assert.equal(tsv('k\tv', pos(1)), null);
  assert.deepEqual(tsv("x\t'a\tb''c'", pos(2)), { k: 'x', v: "a\tb'c" });
  const h = compileParser({ csv: { delimiter: ',', quote: '"', header: true } });
  assert.equal(h('id,name', pos(1, 'f1')), null);
  assert.equal(h('role,level,__proto__', pos(1, 'f2')), null);
  assert.deepEqual(h('1,勇者', pos(2, 'f1')), { id: '1', name: '勇者' });
  const r = h('7,3,p', pos(5, 'f2'))!;
  assert.deepEqual(Object.keys(r), ['role', 'level', '__proto__']);
  assert.equal(Object.getPrototypeOf(r), Object.prototype);
  assert.match(
    stageError(() => h('1,2', pos(9, 'f3')), 'PARSE_CSV').message,
    /header line of "f3" was not read/,
  );
  const big = compileParser({ csv: { delimiter: ',', quote: '"', columns: ['a', 'b'], header: false } });
  assert.equal((big(`1,"${'x'.repeat(10 * 1024 * 1024)}"`)!.b as string).length, 10 * 1024 * 1024);
});

test('oplog: header fields plus the merged JSON body', () => {
  const header = '^\\[(?<log_time>[^\\]]+)\\]\\[(?<log_type>\\w+)\\],';
  const p = compileParser({ oplog: { header } });
  const line =
    '[2026-11-25 10:00:01][LoginRole],{"role_id":1,"server_id":7,"role":{"level":3,"vip":{"lv":2}}}';
  assert.deepEqual(p(line), {
    role_id: 1,
    server_id: 7,
    role: { level: 3, vip: { lv: 2 } },
    log_time: '2026-11-25 10:00:01',
    log_type: 'LoginRole',
  });
  const nested = compileParser({ oplog: { header: '\\[(?<t>[^\\]]+)\\]', body: 'body' } });
  assert.deepEqual(nested('[x]  , {"a":12345678901234567890}'), {
    t: 'x',
    body: { a: 12345678901234567890n },
  });
  assert.deepEqual(nested('[x] {"t":"body loses"}'), { t: 'x', body: { t: 'body loses' } });
  stageError(() => p('junk [2026][LoginRole],{}'), 'PARSE_OPLOG_HEADER');
  assert.match(
    stageError(() => p('[t][LoginRole],{"role_id":'), 'PARSE_JSON').message,
    /unexpected end of JSON/,
  );
  assert.match(
    stageError(() => p('[t][LoginRole],[1]'), 'PARSE_JSON').message,
    /oplog body must be an object/,
  );
  assert.match(stageError(() => p('[t][LoginRole],'), 'PARSE_JSON').message, /no JSON body/);
});

test('json: a number beyond the double range is PARSE_JSON, never Infinity or null', () => {
  const parse = compileParser({ json: {} });
  for (const text of ['{"x":1e400}', '{"j":{"x":-1e999}}', '{"a":[1,2,1e309]}']) {
    assert.throws(
      () => parse(text),
      (e: StageError) => e.code === 'PARSE_JSON' && /beyond the range of numbers/.test(e.message),
      text,
    );
  }
  assert.deepEqual(parse('{"x":1e308,"y":-1.5e-400}'), { x: 1e308, y: -0 });
});

test('json: a number with more digits than a double holds keeps every digit for DECIMAL; DOUBLE reads the same double', async () => {
  const { compileFormatter } = await import('../formatter/index.ts');
  const { column } = await import('../../types/test-support.ts');
  const json = compileParser({ json: {} });
  const text =
    '{"d":12345678901234567890.1234567891,"q":0.12345678901234567890,"c":0.1000000000000000055511151231257827,' +
    '"x":0.30000000000000004,"f":1.5,"s":0.12345678901234567890,"nested":{"v":[3.14159265358979323846]}}';
  const rec = json(text)!;
  // Texts a double cannot reproduce stay text; a double's own shortest text stays a number.
  assert.deepEqual(rec, {
    d: '12345678901234567890.1234567891',
    q: '0.12345678901234567890',
    c: '0.1000000000000000055511151231257827',
    x: 0.30000000000000004,
    f: 1.5,
    s: '0.12345678901234567890',
    nested: { v: ['3.14159265358979323846'] },
  });
  const row = compileFormatter([
    column('d', 'DECIMAL(38, 10)'),
    column('q', 'DECIMAL(38, 20)'),
    column('c', 'DOUBLE'),
    column('x', 'DECIMAL(10, 2)'),
    column('f', 'DOUBLE'),
    column('s', 'STRING'),
  ])(rec);
  // Before: d was 12345678901234567000.0000000000 and q 0.12345678901234568000, silently.
  assert.deepEqual(row, {
    d: 123456789012345678901234567891n,
    q: 12345678901234567890n,
    c: JSON.parse('0.1000000000000000055511151231257827'),
    x: 30n,
    f: 1.5,
    s: '0.12345678901234567890',
  });
});

test('buildParser is both the check (weir validate) and the compile (the job): one answer for each config', async () => {
  const { buildParser, compileParser: compile } = await import('./index.ts');
  const { loadProjectFromText } = await import('../../config/load.ts');
  const configs = [
    { json: {} },
    { regex: { pattern: '^(?<ip>\\S+) (?<path>\\S+)$' } },
    { regex: { pattern: '^\\S+$' } },
    { regex: { pattern: '^(?<a>[a-' } },
    { oplog: { header: '^\\[(?<t>[^\\]]+)\\]' } },
    { oplog: { header: '^\\[' } },
    { csv: { columns: ['a', 'b'] } },
    { csv: { columns: ['a', 'a'] } },
    { csv: {} },
  ];
  for (const cfg of configs) {
    const built = buildParser(cfg as never);
    let thrown: string | undefined;
    try {
      compile(cfg as never);
    } catch (e) {
      thrown = (e as Error).message;
    }
    assert.equal(built.parser === undefined, thrown !== undefined, JSON.stringify(cfg));
    const yaml = `sources: { s: { stdin: {} } }\ntables:\n  t:\n    source: s\n    parser: ${JSON.stringify(cfg)}\n    schema: { a: STRING }\n`;
    const loaded = await loadProjectFromText(yaml, '.');
    const parserProblems = loaded.ok
      ? []
      : loaded.problems.filter((p) => p.path.startsWith('tables.t.parser'));
    assert.deepEqual(
      parserProblems.map((p) => p.message),
      built.problems.map((p) => p.message),
      JSON.stringify(cfg),
    );
  }
});
