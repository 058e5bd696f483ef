import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadJsUdf } from './js.ts';

let projectDir = '';
before(async () => {
  projectDir = await mkdtemp(path.join(tmpdir(), 'weir-udf-'));
  await mkdir(path.join(projectDir, 'udf'));
  await writeFile(
    path.join(projectDir, 'udf/post.js'),
    [
      'export function enrich(rec, weir) {',
      '  weir.count("seen");',
      '  if (rec.drop) return null;',
      '  if (rec.split) return rec.split.map((x) => ({ x }));',
      '  if (rec.boom) return rec.missing.field;',
      '  if (rec.bad) return 42;',
      '  if (rec.throwString) throw "nope";',
      '  weir.count("level", rec.level);',
      '  return { ...rec, big: rec.id + 1n };',
      '}',
      'export async function slow(rec) { if (rec.never) await new Promise(() => {}); await null; return rec; }',
      'export const notFn = 1;',
    ].join('\n'),
  );
  await writeFile(
    path.join(projectDir, 'udf/pre.ts'),
    'export function trim(line: string): string | null { return line.startsWith("#") ? null : line.trim(); }\n',
  );
  await writeFile(path.join(projectDir, 'udf/broken.mjs'), 'export function f( {\n');
});
after(async () => rm(projectDir, { recursive: true, force: true }));

test('postprocess: records, drops, splits and counters', async () => {
  const udf = await loadJsUdf('udf/post.js#enrich', 'postprocess', { projectDir });
  assert.equal(udf.ref, 'udf/post.js#enrich');
  const res = await udf.call([
    { id: 12345678901234567890n, level: 3 },
    { drop: true },
    { split: [1, 2] },
    { id: 1n, level: 2 },
  ]);
  assert.deepEqual(res.outcomes, [
    { ok: true, value: { id: 12345678901234567890n, level: 3, big: 12345678901234567891n } },
    { ok: true, value: null },
    { ok: true, value: [{ x: 1 }, { x: 2 }] },
    { ok: true, value: { id: 1n, level: 2, big: 2n } },
  ]);
  assert.deepEqual(res.counters, { seen: 4, level: 5 });
  assert.deepEqual((await udf.call([])).counters, {});
  await udf.close();
});

test('a throw becomes a UDF outcome with the class, message and the line in the user file', async () => {
  const udf = await loadJsUdf('udf/post.js#enrich', 'postprocess', { projectDir });
  const [boom, bad, str, ok] = (
    await udf.call([{ boom: true }, { bad: true }, { throwString: true }, { id: 0n }])
  ).outcomes;
  assert.equal(boom!.ok, false);
  if (!boom!.ok) {
    assert.equal(boom.code, 'UDF');
    assert.equal(boom.errorClass, 'TypeError');
    assert.match(boom.message, /field/);
    assert.match(boom.trace ?? '', /^at enrich \(udf\/post\.js:5:\d+\)$/);
  }
  assert.deepEqual(bad, {
    ok: false,
    code: 'UDF',
    errorClass: 'TypeError',
    message:
      'udf/post.js#enrich returned a number; a postprocess UDF returns a record (object), null to drop it, or an array of records',
  });
  assert.equal(str!.ok, false);
  if (!str!.ok) assert.match(str.message, /threw a string: nope/);
  assert.equal(ok!.ok, true);
});

test('preprocess in TypeScript: string or null', async () => {
  const udf = await loadJsUdf('udf/pre.ts#trim', 'preprocess', { projectDir });
  const res = await udf.call(['  a \u0000\uFFFD\uD800 ', '# comment']);
  assert.deepEqual(res.outcomes, [
    { ok: true, value: 'a \u0000\uFFFD\uD800' },
    { ok: true, value: null },
  ]);
});

test('async UDFs are awaited; a promise that can never settle is UDF_TIMEOUT', async () => {
  const udf = await loadJsUdf('udf/post.js#slow', 'postprocess', { projectDir, timeoutMs: 500 });
  const res = await udf.call([{ ms: 1 }, { never: true }, { ms: 2 }]);
  assert.deepEqual(res.outcomes[0], { ok: true, value: { ms: 1 } });
  assert.equal(res.outcomes[1]!.ok === false && res.outcomes[1]!.code, 'UDF_TIMEOUT');
  assert.match(res.outcomes[1]!.ok === false ? res.outcomes[1]!.message : '', /promise that never settled/);
  assert.deepEqual(res.outcomes[2], { ok: true, value: { ms: 2 } });
  await udf.close();
});

test('load errors are plain', async () => {
  await assert.rejects(loadJsUdf('udf/post.js#fn', 'postprocess', { projectDir }), {
    message: 'udf/post.js has no exported function "fn" (it exports: enrich, slow)',
  });
  await assert.rejects(
    loadJsUdf('udf/post.js#notFn', 'postprocess', { projectDir }),
    /is a number, not a function/,
  );
  await assert.rejects(
    loadJsUdf('udf/none.js#f', 'postprocess', { projectDir }),
    /UDF file udf\/none\.js not found/,
  );
  await assert.rejects(
    loadJsUdf('udf/post.js', 'postprocess', { projectDir }),
    /should be file#function, e.g. udf\/clean\.js#clean/,
  );
  await assert.rejects(loadJsUdf('udf/x.py#f', 'postprocess', { projectDir }), /must end in \.js/);
  await assert.rejects(
    loadJsUdf('udf/broken.mjs#f', 'postprocess', { projectDir }),
    /could not be loaded: SyntaxError/,
  );
});

test('a changed file is loaded anew (hot reload)', async () => {
  const file = path.join(projectDir, 'udf/v.js');
  await writeFile(file, 'export const f = () => ({ v: 1 });');
  const v1 = await loadJsUdf('udf/v.js#f', 'postprocess', { projectDir });
  await writeFile(file, 'export const f = () => ({ v: 2 });');
  const { utimes } = await import('node:fs/promises');
  await utimes(file, new Date(), new Date(Date.now() + 5000));
  const v2 = await loadJsUdf('udf/v.js#f', 'postprocess', { projectDir });
  assert.deepEqual((await v1.call([{}])).outcomes, [{ ok: true, value: { v: 1 } }]);
  assert.deepEqual((await v2.call([{}])).outcomes, [{ ok: true, value: { v: 2 } }]);
});
