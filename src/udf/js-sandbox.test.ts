// Hostile JS UDFs: each is contained in its isolate, becomes an error record for its own record
// only, and leaves no trace on the host (the side effect each attempts is checked).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadJsUdf } from './js.ts';
import type { UdfOutcome } from './types.ts';

let projectDir = '';
let marker = '';
before(async () => {
  projectDir = await mkdtemp(path.join(tmpdir(), 'weir-js-hostile-'));
  marker = path.join(projectDir, 'escaped');
  await mkdir(path.join(projectDir, 'udf'));
  const m = JSON.stringify(marker);
  await writeFile(
    path.join(projectDir, 'udf/hostile.js'),
    `
export function attack(rec) {
  switch (rec.how) {
    case 'require': require('node:fs').writeFileSync(${m}, 'x'); break;
    case 'process': process.mainModule.require('node:fs').writeFileSync(${m}, 'x'); break;
    case 'globalThis.process': globalThis.process.getBuiltinModule('node:fs').writeFileSync(${m}, 'x'); break;
    case 'constructor': ({}).constructor.constructor('return process')().exit(3); break;
    case 'function': Function('return globalThis.process')().exit(3); break;
    case 'import': return import('node:fs').then((fs) => { fs.writeFileSync(${m}, 'x'); return rec; });
    case 'loop': for (;;) {} break;
    case 'allocate': { const a = []; for (;;) a.push(new Array(1e6).fill(rec.how)); }
    case 'map': { const m = new Map(); for (let i = 0; ; i++) m.set(i, { i }); }
    case 'pollute': Object.prototype.polluted = 'yes'; Array.prototype.push = () => 0; break;
  }
  return { ...rec, seen: typeof rec.polluted };
}
export function innocent(rec) { return { ...rec, polluted: typeof ({}).polluted }; }
`,
  );
  await writeFile(
    path.join(projectDir, 'udf/static-import.js'),
    `import { writeFileSync } from 'node:fs';\nexport function f(r) { writeFileSync(${m}, 'x'); return r; }\n`,
  );
  await writeFile(
    path.join(projectDir, 'udf/lib.ts'),
    'export const double = (n: number): number => n * 2;\n',
  );
  await writeFile(
    path.join(projectDir, 'udf/uses-lib.js'),
    "import { double } from './lib.ts';\nexport function f(r) { return { n: double(r.n) }; }\n",
  );
});
after(async () => rm(projectDir, { recursive: true, force: true }));

const failure = (o: UdfOutcome | undefined) =>
  o && !o.ok ? `${o.code} ${o.errorClass}: ${o.message}` : 'ok';

test('require, process, Function and import() reach nothing of the host', async () => {
  const udf = await loadJsUdf('udf/hostile.js#attack', 'postprocess', { projectDir, timeoutMs: 500 });
  const hows = ['require', 'process', 'globalThis.process', 'constructor', 'function', 'import'];
  const { outcomes } = await udf.call([...hows.map((how) => ({ how })), { how: 'none' }]);
  assert.match(failure(outcomes[0]), /^UDF ReferenceError: require is not defined/);
  assert.match(failure(outcomes[1]), /^UDF ReferenceError: process is not defined/);
  assert.match(failure(outcomes[2]), /^UDF TypeError: .*getBuiltinModule/);
  assert.match(failure(outcomes[3]), /^UDF ReferenceError: process is not defined/);
  assert.match(failure(outcomes[4]), /^UDF TypeError: .*exit/);
  assert.match(failure(outcomes[5]), /^UDF Error: Not supported/);
  assert.deepEqual(outcomes[6], { ok: true, value: { how: 'none', seen: 'undefined' } });
  assert.equal(existsSync(marker), false);
  await udf.close();
});

test('a UDF file cannot import Node modules; it can import the project’s own files', async () => {
  await assert.rejects(
    loadJsUdf('udf/static-import.js#f', 'postprocess', { projectDir }),
    /imports "node:fs": a JS UDF runs in a sandbox and can import only the project's own files/,
  );
  assert.equal(existsSync(marker), false);
  const udf = await loadJsUdf('udf/uses-lib.js#f', 'postprocess', { projectDir });
  assert.deepEqual((await udf.call([{ n: 21 }])).outcomes, [{ ok: true, value: { n: 42 } }]);
  await udf.close();
});

test('a looping record fails alone (UDF_TIMEOUT); the records around it load', async () => {
  const udf = await loadJsUdf('udf/hostile.js#attack', 'postprocess', { projectDir, timeoutMs: 200 });
  const inputs = Array.from({ length: 1000 }, (_, i) => ({ how: i === 500 ? 'loop' : 'none', i }));
  const started = Date.now();
  const { outcomes } = await udf.call(inputs);
  assert.ok(Date.now() - started < 5000, 'one limit, not one per record');
  assert.match(failure(outcomes[500]), /^UDF_TIMEOUT TimeoutError: .*time limit of 200 ms/);
  assert.equal(outcomes.filter((o) => o.ok).length, 999);
  // The isolate still works after the interruption.
  assert.deepEqual((await udf.call([{ how: 'none' }])).outcomes[0]?.ok, true);
  await udf.close();
});

test('an allocation bomb fails its record (memory limit) and the UDF restarts; the host is unharmed', async () => {
  const udf = await loadJsUdf('udf/hostile.js#attack', 'postprocess', {
    projectDir,
    memoryMb: 32,
    timeoutMs: 5000,
  });
  const before = process.memoryUsage().rss;
  const { outcomes } = await udf.call([{ how: 'none', i: 1 }, { how: 'allocate' }, { how: 'none', i: 3 }]);
  assert.deepEqual(outcomes[0], { ok: true, value: { how: 'none', i: 1, seen: 'undefined' } });
  assert.match(failure(outcomes[1]), /^UDF MemoryError: .*memory limit \(udf\.memory_mb = 32 MB\)/);
  assert.deepEqual(outcomes[2], { ok: true, value: { how: 'none', i: 3, seen: 'undefined' } });
  assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024);
  assert.deepEqual((await udf.call([{ how: 'none' }])).outcomes[0]?.ok, true);
  await udf.close();
});

test('a Map that grows without end (V8 loses the isolate) fails its record alone; the job process lives on', async () => {
  // V8 does not stop this growth at the isolate's memory limit with an error: it loses the isolate,
  // which in the job's own process aborted it (exit 134). The sandbox process takes the loss.
  const udf = await loadJsUdf('udf/hostile.js#attack', 'postprocess', {
    projectDir,
    memoryMb: 64,
    timeoutMs: 20_000,
  });
  const other = await loadJsUdf('udf/hostile.js#innocent', 'postprocess', { projectDir });
  const inputs = Array.from({ length: 200 }, (_, i) => ({ how: i === 120 ? 'map' : 'none', i }));
  const { outcomes } = await udf.call(inputs);
  assert.match(failure(outcomes[120]), /^UDF MemoryError: .*memory limit \(udf\.memory_mb = 64 MB\)/);
  assert.equal(outcomes.length, 200);
  assert.deepEqual(
    outcomes.flatMap((o, i) => (o.ok ? [] : [i])),
    [120],
  );
  assert.deepEqual(outcomes[199], { ok: true, value: { how: 'none', i: 199, seen: 'undefined' } });
  // The project's other UDF was in the lost sandbox too: it is loaded again and answers.
  assert.deepEqual((await other.call([{ a: 1 }])).outcomes, [
    { ok: true, value: { a: 1, polluted: 'undefined' } },
  ]);
  await udf.close();
  await other.close();
});

test('prototype pollution stays inside the UDF that did it', async () => {
  const hostile = await loadJsUdf('udf/hostile.js#attack', 'postprocess', { projectDir });
  const other = await loadJsUdf('udf/hostile.js#innocent', 'postprocess', { projectDir });
  await hostile.call([{ how: 'pollute' }]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(([] as number[]).push(1), 1);
  assert.deepEqual((await other.call([{ a: 1 }])).outcomes, [
    { ok: true, value: { a: 1, polluted: 'undefined' } },
  ]);
  // The polluting UDF's own later records see its own change, and nobody else's.
  assert.deepEqual((await hostile.call([{ how: 'none' }])).outcomes, [
    { ok: true, value: { how: 'none', seen: 'string' } },
  ]);
  await hostile.close();
  await other.close();
});
