import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadUdf, udfLanguage } from './index.ts';
import { parseWithBigInt } from './json-bigint.ts';
import { checkPythonUdf, loadPythonUdf, parsePythonRef } from './python.ts';
import type { UdfKind, UdfOutcome, UdfRunner } from './types.ts';

// One project (so one interpreter) for the whole file; the first load pays the start-up.
const projectDir = join(import.meta.dirname, 'testdata', 'python-project');
// Batches that should finish get a limit no loaded machine reaches (2 test files in parallel on 2
// cores plus a Kafka JVM have made 1 s too tight); only the runaway tests use the short one.
const GENEROUS_MS = 60_000;
const TIMEOUT_MS = 1000;
// Also bounds the loading of the ordinary modules here: they import in milliseconds.
const LOAD_TIMEOUT_MS = 1000;
// What the interrupt (or the restart) may take on a machine slowed down 3x.
const SLACK_MS = 5000;
const opts = {
  projectDir,
  timeoutMs: GENEROUS_MS,
  memoryLimitMb: 256,
  // Long enough for a loaded CI machine (500 ms once restarted an interpreter that was stopping).
  graceMs: 2000,
  loadTimeoutMs: LOAD_TIMEOUT_MS,
};
const runners: UdfRunner[] = [];

async function udf(ref: string, kind: UdfKind = 'postprocess', timeoutMs = GENEROUS_MS): Promise<UdfRunner> {
  const runner = await loadPythonUdf(ref, kind, { ...opts, timeoutMs });
  runners.push(runner);
  return runner;
}

async function values(runner: UdfRunner, inputs: unknown[]): Promise<unknown[]> {
  const { outcomes } = await runner.call(inputs);
  return outcomes.map((o) => (o.ok ? o.value : o));
}

function failure(outcome: UdfOutcome | undefined): Extract<UdfOutcome, { ok: false }> {
  assert.ok(outcome && !outcome.ok, `expected an error outcome, got ${JSON.stringify(outcome)}`);
  return outcome;
}

after(async () => {
  await Promise.all(runners.map((r) => r.close()));
});

describe('preprocess', () => {
  test('returns the new line, or None to drop it; unicode intact', async () => {
    const pre = await udf('udf/pre.py#normalise', 'preprocess');
    assert.deepEqual(
      await values(pre, ['[25/11/2026 10:00:01][Login]', '# comment', 'ゲーム 🎮 café\u0000']),
      ['[2026-11-25 10:00:01][Login]', null, 'ゲーム 🎮 café\u0000'],
    );
  });

  test('a str subclass comes back as text; counters named by one count too', async () => {
    const sub = await udf('udf/pre.py#subclass', 'preprocess');
    const result = await sub.call(['a', 'b']);
    assert.deepEqual(result.outcomes, [
      { ok: true, value: 'a!' },
      { ok: true, value: 'b!' },
    ]);
    assert.deepEqual(result.counters, { subclassed: 4 });
  });

  test('anything but str or None is an error outcome saying what was expected', async () => {
    const pre = await udf('udf/pre.py#returns_number', 'preprocess');
    const out = failure((await pre.call(['abc'])).outcomes[0]);
    assert.equal(out.code, 'UDF');
    assert.equal(out.errorClass, 'TypeError');
    assert.equal(out.message, 'the function must return a str or None, but returned int');
  });
});

describe('postprocess', () => {
  test('dict in, dict out; None drops; a list of dicts splits', async () => {
    const keep = await udf('udf/post.py#drop_or_keep');
    assert.deepEqual(await values(keep, [{ server_id: 1, x: 'a' }, { server_id: 9001 }]), [
      { server_id: 1, x: 'a' },
      null,
    ]);
    const split = await udf('udf/post.py#split_items');
    assert.deepEqual(
      await values(split, [
        { role_id: 7, items: ['sword', 'shield'] },
        { role_id: 8, items: [] },
      ]),
      [
        [
          { role_id: 7, item: 'sword' },
          { role_id: 7, item: 'shield' },
        ],
        [],
      ],
    );
  });

  test('other return values are error outcomes; other records are unaffected', async () => {
    const bad = await udf('udf/post.py#bad_return');
    const { outcomes } = await bad.call([
      { value: 3 },
      { value: { ok: 1 } },
      { value: [{ a: 1 }, 2] },
      { value: 'x' },
    ]);
    assert.equal(
      failure(outcomes[0]).message,
      'the function must return a dict, None or a list of dicts, but returned int',
    );
    assert.deepEqual(outcomes[1], { ok: true, value: { ok: 1 } });
    assert.match(failure(outcomes[2]).message, /but returned list$/);
    assert.match(failure(outcomes[3]).message, /but returned str$/);
    const odd = await udf('udf/post.py#unserialisable');
    const out = failure((await odd.call([{}])).outcomes[0]);
    assert.equal(out.errorClass, 'TypeError');
    assert.match(
      out.message,
      /^the returned value cannot be passed on: Object of type object is not JSON serializable/,
    );
  });

  test('exceptions carry the Python type, message and the line in the user file', async () => {
    const divide = await udf('udf/raises.py#divide');
    const { outcomes } = await divide.call([{ d: 4 }, { d: 0 }, { d: 2 }]);
    assert.deepEqual(outcomes[0], { ok: true, value: { v: 0.25 } });
    assert.deepEqual(outcomes[1], {
      ok: false,
      code: 'UDF',
      errorClass: 'ZeroDivisionError',
      message: 'division by zero',
      trace: 'File "udf/raises.py", line 7, in divide',
    });
    assert.deepEqual(outcomes[2], { ok: true, value: { v: 0.5 } });
    const lookup = await udf('udf/raises.py#lookup');
    const missing = failure((await lookup.call([{}])).outcomes[0]);
    assert.equal(missing.errorClass, 'KeyError');
    assert.equal(missing.message, "'key'");
    assert.equal(missing.trace, 'File "udf/raises.py", line 3, in lookup');
  });

  test('integers beyond 2^53 stay exact both ways', async () => {
    const big = await udf('udf/post.py#bigint');
    assert.deepEqual(
      await values(big, [{ id: 12345678901234567890n }, { id: -9007199254740993n }, { id: 41 }]),
      [
        { id: 12345678901234567890n, next: 12345678901234567891n, small: 7, type: 'int' },
        { id: -9007199254740993n, next: -9007199254740992n, small: 7, type: 'int' },
        { id: 41, next: 42, small: 7, type: 'int' },
      ],
    );
  });

  test('unicode survives, and Python sees code points', async () => {
    const uni = await udf('udf/post.py#unicode');
    assert.deepEqual(await values(uni, [{ name: '玩家😀' }]), [{ name: '玩家😀✓', length: 3, emoji: '🎮' }]);
  });

  test('nested dicts and lists arrive as dicts and lists', async () => {
    const nested = await udf('udf/post.py#nested');
    const record = { a: { b: [{ c: [1, { d: null }] }, { c: true }] }, f: 1.5 };
    assert.deepEqual(await values(nested, [record]), [{ depth: 2, first: [1, { d: null }], copy: record }]);
  });

  test('a record that comes back unchanged is the input object itself; any change is sent back', async () => {
    const identity = await udf('udf/post.py#identity');
    const copy = await udf('udf/post.py#copy');
    const record = { id: 2n ** 63n, name: '玩家😀 "x"', nested: { list: [1, 1.5, null, 'x\ny\u0001'] } };
    for (const runner of [identity, copy]) {
      const { outcomes } = await runner.call([record]);
      assert.ok(outcomes[0]?.ok);
      assert.equal(outcomes[0].value, record, `${runner.ref} gave a new object`);
    }
    // A lone surrogate has no UTF-8 form; it travels as Python writes it ("surrogatepass").
    const lone = { name: 'a\ud800b' };
    const [same] = (await identity.call([lone])).outcomes;
    assert.equal(same?.ok && same.value, lone);
    const [changed] = await values(copy, [{ name: 'x\udfffy', n: 1 }]);
    assert.deepEqual(changed, { name: 'x\udfffy', n: 1 });
    // 1 → True is equal in Python (1 == True) but not in JSON: it must come back as true.
    const toBool = await udf('udf/post.py#flag_to_bool');
    assert.deepEqual(await values(toBool, [{ flag: 1 }, { flag: 0 }]), [{ flag: true }, { flag: false }]);
    const pre = await udf('udf/pre.py#normalise', 'preprocess');
    const line = '[2026-11-25 10:00:01][Login] ゲーム';
    assert.deepEqual((await pre.call([line])).outcomes, [{ ok: true, value: line }]);
  });

  test('Python receives what JSON would give it: ints stay ints, floats floats, unicode as code points', async () => {
    const describe = await udf('udf/post.py#describe');
    const record = {
      i: -7,
      big: 2n ** 64n,
      wide: 2 ** 60,
      f: 1.5,
      huge: 1e21,
      negZero: -0,
      t: true,
      n: null,
      nan: Number.NaN,
      gone: undefined,
      s: '玩家😀',
      lone: 'a\ud800',
      list: [1, 'x', { k: [] }],
    };
    assert.deepEqual(await values(describe, [record]), [
      {
        repr:
          "{'i': -7, 'big': 18446744073709551616, 'wide': 1152921504606847000, 'f': 1.5, " +
          "'huge': 1e+21, 'negZero': 0, 't': True, 'n': None, 'nan': None, " +
          "'s': '\\u73a9\\u5bb6\\U0001f600', 'lone': 'a\\ud800', 'list': [1, 'x', {'k': []}]}",
      },
    ]);
  });

  test('returned values JSON cannot hold are error outcomes; tuples, non-str keys and dict subclasses as JSON writes them', async () => {
    const odd = await udf('udf/post.py#odd');
    const cases = ['set', 'bytes', 'nan', 'self', 'object_key', 'tuple', 'keys', 'ordered', 'shared'];
    const { outcomes } = await odd.call(cases.map((c) => ({ case: c })));
    const errors = outcomes.slice(0, 5).map((o) => {
      const f = failure(o);
      return `${f.errorClass}: ${f.message.replace('the returned value cannot be passed on: ', '')}`;
    });
    assert.deepEqual(errors, [
      'TypeError: Object of type set is not JSON serializable',
      'TypeError: Object of type bytes is not JSON serializable',
      'ValueError: Out of range float values are not JSON compliant: nan',
      'ValueError: Circular reference detected',
      'TypeError: keys must be str, int, float, bool or None, not tuple',
    ]);
    assert.deepEqual(
      outcomes.slice(5).map((o) => o.ok && o.value),
      [{ v: [1, 'a'] }, { v: { 2: 'a', null: 'b', true: 'c' } }, { b: 1, a: 2 }, [{ k: 1 }, { k: 1 }]],
    );
  });

  test("a UDF imports the project's own modules and packages (udf/rates.py → udf/lib/table.py)", async () => {
    const usd = await udf('udf/post.py#to_usd');
    const { outcomes } = await usd.call([
      { currency: 'EUR', amount: 10 },
      { currency: 'CNY', amount: 100 },
      { currency: 'XXX', amount: 1 },
    ]);
    assert.deepEqual(outcomes[0], { ok: true, value: { currency: 'EUR', amount: 10, usd: 10.8 } });
    assert.deepEqual(outcomes[1], { ok: true, value: { currency: 'CNY', amount: 100, usd: 14 } });
    assert.equal(failure(outcomes[2]).trace, 'File "udf/rates.py", line 5, in usd_rate');
  });

  test('UDFs sharing the interpreter can be called at the same time', async () => {
    const [a, b] = await Promise.all([udf('udf/pre.py#shout', 'preprocess'), udf('udf/post.py#identity')]);
    const [ra, rb] = await Promise.all([a.call(['x', 'y']), b.call([{ k: 1 }])]);
    assert.deepEqual(ra.outcomes, [
      { ok: true, value: 'X' },
      { ok: true, value: 'Y' },
    ]);
    assert.deepEqual(rb.outcomes, [{ ok: true, value: { k: 1 } }]);
  });
});

describe('weir.count', () => {
  test('counts come back with the batch, per batch', async () => {
    const counting = await udf('udf/post.py#count_kinds');
    const first = await counting.call([{ kind: 'gift', n: 3 }, { kind: 'login' }, { kind: 'gift' }]);
    assert.deepEqual(first.counters, { seen: 3, gifts: 4 });
    const second = await counting.call([{ kind: 'login' }]);
    assert.deepEqual(second.counters, { seen: 1 });
  });

  test('a wrong counter name is an error outcome', async () => {
    const bad = await udf('udf/post.py#bad_count');
    const out = failure((await bad.call([{}])).outcomes[0]);
    assert.equal(out.errorClass, 'TypeError');
    assert.equal(out.message, 'weir.count: the counter name must be a non-empty string');
  });
});

describe('loading', () => {
  const cannotImport = (file: string, name: string) =>
    `${file}: cannot import "${name}" (only the Python standard library and the project's own modules are available)`;

  test('an import outside the standard library fails with a message naming it', async () => {
    assert.equal(
      await checkPythonUdf('udf/uses_numpy.py#mean', opts),
      cannotImport('udf/uses_numpy.py', 'numpy'),
    );
    // The failing import is in a module the UDF imports.
    assert.equal(
      await checkPythonUdf('udf/uses_broken.py#f', opts),
      cannotImport('udf/uses_broken.py', 'pandas'),
    );
    await assert.rejects(loadPythonUdf('udf/uses_numpy.py#mean', 'postprocess', opts), {
      message: cannotImport('udf/uses_numpy.py', 'numpy'),
    });
  });

  test('other problems are named plainly', async () => {
    assert.equal(await checkPythonUdf('udf/post.py#to_usd', opts), null);
    assert.equal(
      await checkPythonUdf('udf/syntax_error.py#f', opts),
      "udf/syntax_error.py: syntax error at line 1: expected ':'",
    );
    assert.equal(await checkPythonUdf('udf/post.py#nope', opts), 'udf/post.py has no function "nope"');
    assert.equal(
      await checkPythonUdf('udf/not_function.py#f', opts),
      'udf/not_function.py: "f" is not a function',
    );
    assert.match(
      (await checkPythonUdf('udf/missing.py#f', opts)) ?? '',
      /^udf\/missing\.py: file not found in the project folder/,
    );
    assert.match(
      (await checkPythonUdf('udf/post.py', opts)) ?? '',
      /should be file#function, e.g. udf\/currency\.py#to_usd/,
    );
  });

  test('references are relative .py paths with a function name', () => {
    assert.deepEqual(parsePythonRef('udf/currency.py#to_usd', 'postprocess'), {
      path: 'udf/currency.py',
      dir: 'udf',
      module: 'currency',
      func: 'to_usd',
      kind: 'postprocess',
    });
    assert.equal(parsePythonRef('./top.py#f', 'preprocess').dir, '');
    assert.throws(() => parsePythonRef('../outside.py#f', 'postprocess'), /relative path inside the project/);
    assert.throws(() => parsePythonRef('/abs/x.py#f', 'postprocess'), /relative path inside the project/);
    assert.throws(() => parsePythonRef('udf/x.js#f', 'postprocess'), /must end in \.py/);
    assert.throws(() => parsePythonRef('udf/x.py#1f', 'postprocess'), /not a Python function name/);
    assert.throws(() => parsePythonRef('udf/my-udf.py#f', 'postprocess'), /cannot be imported/);
  });

  test('after the files change, a new load gets the new code; loaded UDFs keep theirs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-pyudf-'));
    try {
      const reload = { projectDir: dir };
      writeFileSync(join(dir, 'helper.py'), 'TAG = "v1"\n');
      writeFileSync(join(dir, 'tag.py'), 'from helper import TAG\n\ndef tag(line):\n    return TAG + line\n');
      const v1 = await loadPythonUdf('tag.py#tag', 'preprocess', reload);
      writeFileSync(join(dir, 'helper.py'), 'TAG = "v2"\n');
      const v2 = await loadPythonUdf('tag.py#tag', 'preprocess', reload);
      assert.deepEqual((await v1.call([':'])).outcomes, [{ ok: true, value: 'v1:' }]);
      assert.deepEqual((await v2.call([':'])).outcomes, [{ ok: true, value: 'v2:' }]);
      await v1.close();
      await v2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loadUdf', () => {
  test('picks the language from the object key or the file extension', async () => {
    assert.deepEqual(udfLanguage('udf/a.py#f'), { language: 'python', ref: 'udf/a.py#f' });
    assert.deepEqual(udfLanguage('udf/a.mjs#f'), { language: 'js', ref: 'udf/a.mjs#f' });
    assert.deepEqual(udfLanguage({ python: 'udf/a.py#f' }), { language: 'python', ref: 'udf/a.py#f' });
    assert.deepEqual(udfLanguage({ js: 'udf/a.ts#f' }), { language: 'js', ref: 'udf/a.ts#f' });
    assert.throws(() => udfLanguage('udf/a.rb#f'), /cannot tell the language/);
  });

  test('a Python reference loads a Python runner', async () => {
    for (const ref of ['udf/pre.py#shout', { python: 'udf/pre.py#shout' }]) {
      const runner = await loadUdf(ref, 'preprocess', opts);
      runners.push(runner);
      assert.deepEqual((await runner.call(['ok'])).outcomes, [{ ok: true, value: 'OK' }]);
    }
  });
});

describe('runaway UDFs', () => {
  test('an infinite loop is interrupted at the time limit; only that record fails', async () => {
    const spin = await udf('udf/post.py#spin', 'postprocess', TIMEOUT_MS);
    const started = performance.now();
    const { outcomes } = await spin.call([{ a: 1 }, { spin: true }, { a: 2 }]);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= TIMEOUT_MS && elapsed < TIMEOUT_MS + SLACK_MS, `took ${elapsed} ms`);
    assert.deepEqual(outcomes[0], { ok: true, value: { a: 1 } });
    const stuck = failure(outcomes[1]);
    assert.equal(stuck.code, 'UDF_TIMEOUT');
    assert.equal(stuck.message, `the UDF ran past its time limit of ${TIMEOUT_MS} ms on this record`);
    assert.equal(stuck.trace, 'File "udf/post.py", line 58, in spin');
    assert.deepEqual(outcomes[2], { ok: true, value: { a: 2 } });
    assert.deepEqual((await spin.call([{ a: 3 }])).outcomes, [{ ok: true, value: { a: 3 } }]);
  });

  test('a loop that swallows the interrupt is stopped by restarting the interpreter; the others load', async () => {
    const identity = await udf('udf/post.py#identity');
    const stubborn = await udf('udf/post.py#stubborn_on', 'postprocess', TIMEOUT_MS);
    const started = performance.now();
    const { outcomes } = await stubborn.call([{ a: 1 }, { stubborn: true }, { a: 2 }]);
    const elapsed = performance.now() - started;
    // the limit, the grace, then a fresh interpreter (which loads every UDF of this file again)
    assert.ok(elapsed < TIMEOUT_MS + opts.graceMs + 2 * SLACK_MS, `took ${elapsed} ms`);
    assert.deepEqual(outcomes[0], { ok: true, value: { a: 1 } });
    const stuck = failure(outcomes[1]);
    assert.equal(stuck.code, 'UDF_TIMEOUT');
    assert.match(stuck.message, /did not stop when interrupted; the Python interpreter was restarted$/);
    assert.deepEqual(outcomes[2], { ok: true, value: { a: 2 } });
    // The fresh interpreter has every loaded UDF again.
    assert.deepEqual((await identity.call([{ again: true }])).outcomes, [
      { ok: true, value: { again: true } },
    ]);
  });

  test('a record stuck in C code (no interrupt reaches it) fails alone; the batch is run again around it', async () => {
    const cLoop = await udf('udf/post.py#c_loop', 'postprocess', TIMEOUT_MS);
    const inputs = Array.from({ length: 40 }, (_, i) => ({ i, ...(i === 29 ? { c_loop: true } : {}) }));
    const { outcomes, counters } = await cLoop.call(inputs);
    outcomes.forEach((o, i) => {
      if (i !== 29) assert.deepEqual(o, { ok: true, value: { i, seen: true } });
    });
    const stuck = failure(outcomes[29]);
    assert.equal(stuck.code, 'UDF_TIMEOUT');
    assert.match(stuck.message, /inside a built-in function and did not stop when interrupted/);
    // Counters come only from the calls that finished: each record once.
    assert.deepEqual(counters, { seen: 39 });
  });

  test('a record that crashes the interpreter fails alone; the others run in a fresh one', async () => {
    const crash = await udf('udf/post.py#crash_on');
    const { outcomes } = await crash.call([{ a: 1 }, { crash: true }, { a: 2 }]);
    assert.deepEqual(outcomes[0], { ok: true, value: { a: 1 } });
    const crashed = failure(outcomes[1]);
    assert.equal(crashed.code, 'UDF');
    assert.match(crashed.message, /^the Python interpreter crashed on this record: /);
    assert.deepEqual(outcomes[2], { ok: true, value: { a: 2 } });
    assert.deepEqual((await crash.call([{ a: 3 }])).outcomes, [{ ok: true, value: { a: 3 } }]);
  });

  test('a module whose top-level code loops fails to load within the load time limit', async () => {
    const slow = `udf/slow_import.py: loading did not finish within ${LOAD_TIMEOUT_MS} ms (does the module's top-level code loop?)`;
    assert.equal(await checkPythonUdf('udf/slow_import.py#f', opts), slow);
    const stubborn = slow.replace('slow_import', 'stubborn_import');
    assert.equal(await checkPythonUdf('udf/stubborn_import.py#f', opts), stubborn);
    await assert.rejects(loadPythonUdf('udf/slow_import.py#f', 'postprocess', opts), { message: slow });
    const identity = await udf('udf/post.py#identity');
    assert.deepEqual((await identity.call([{ fine: 1 }])).outcomes, [{ ok: true, value: { fine: 1 } }]);
  });

  test('a UDF allocating without bound gets MemoryError; the process and the next batch are fine', async () => {
    // the property is MemoryError, not speed: the batch gets the generous limit
    const hog = await udf('udf/post.py#hog', 'postprocess', GENEROUS_MS);
    const { outcomes } = await hog.call([{ a: 1 }, { hog: true }, { a: 2 }]);
    assert.deepEqual(outcomes[0], { ok: true, value: { a: 1 } });
    const oom = failure(outcomes[1]);
    assert.equal(oom.errorClass, 'MemoryError');
    assert.equal(oom.trace, 'File "udf/post.py", line 66, in hog');
    assert.deepEqual(outcomes[2], { ok: true, value: { a: 2 } });
    assert.deepEqual((await hog.call([{ a: 3 }])).outcomes, [{ ok: true, value: { a: 3 } }]);
  });
});

describe('examples/oplog', () => {
  const example = join(import.meta.dirname, '..', '..', 'examples', 'oplog');
  const lines = readFileSync(join(example, 'data', 'oplog.log'), 'utf8')
    .split('\n')
    .slice(0, -1);

  test("the preprocess rewrites the partner's day/month/year times and drops blank lines", async () => {
    const pre = await loadPythonUdf('udf/partner_time.py#normalise_time', 'preprocess', {
      projectDir: example,
    });
    runners.push(pre);
    const { outcomes } = await pre.call(lines);
    for (const [i, outcome] of outcomes.entries()) {
      const line = lines[i] as string;
      assert.ok(outcome.ok);
      if (line === '') {
        assert.equal(outcome.value, null);
        continue;
      }
      const partner = /^\[(\d\d)\/(\d\d)\/(\d{4}) /.exec(line);
      const expected = partner
        ? line.replace(partner[0], `[${partner[3]}-${partner[2]}-${partner[1]} `)
        : line;
      assert.equal(outcome.value, expected);
    }
    assert.ok(
      lines.some((l) => l.startsWith('[25/11/2026 ')),
      'the data has partner lines',
    );
  });

  test('the payment postprocess converts to USD, drops test servers and counts unknown currencies', async () => {
    const toUsd = await loadPythonUdf('udf/currency.py#to_usd', 'postprocess', { projectDir: example });
    runners.push(toUsd);
    const bodies = lines
      .filter((l) => l.includes('][Payment],'))
      .map((l) => parseWithBigInt(l.slice(l.indexOf('],') + 2)) as Record<string, unknown>);
    const { outcomes, counters } = await toUsd.call(bodies);
    const unknown = bodies.filter(
      (b) => !['USD', 'CNY', 'HKD', 'JPY', 'KRW', 'EUR', 'rmb'].includes(b.currency as string),
    );
    assert.ok(unknown.length > 0);
    assert.deepEqual(counters, { unknown_currency: unknown.length });
    for (const [i, outcome] of outcomes.entries()) {
      const body = bodies[i] as Record<string, unknown>;
      if (typeof body.amount !== 'number') {
        assert.equal(failure(outcome).message, `amount '${body.amount}' is not a number`);
        continue;
      }
      assert.ok(outcome.ok);
      if ((body.server_id as number) >= 9000) {
        assert.equal(outcome.value, null);
        continue;
      }
      const row = outcome.value as Record<string, unknown>;
      if (body.currency === 'rmb') assert.equal(row.currency, 'CNY');
      if (unknown.includes(body)) assert.equal(row.usd_amount, null);
      if (body.currency === 'EUR')
        assert.equal(row.usd_amount, Math.round((body.amount as number) * 108) / 100);
      if (body.currency === 'USD') assert.equal(row.usd_amount, body.amount);
    }
  });
});
