// One parse of UDF references for validate and loading: a file the loader takes validates, and a
// reference validate refuses is refused by the loader with the same words.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadProjectFromText } from '../config/load.ts';
import { parseUdfRef } from './ref.ts';

const dir = mkdtempSync(join(tmpdir(), 'weir-udf-ref-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('references: language by extension or key, the file inside the project, function names', () => {
  assert.deepEqual(parseUdfRef('./udf/a.mts#f').ref, {
    language: 'js',
    ref: './udf/a.mts#f',
    file: 'udf/a.mts',
    fn: 'f',
  });
  assert.deepEqual(parseUdfRef({ python: 'udf/usd.py#to_usd' }).ref?.language, 'python');
  const problem = (ref: Parameters<typeof parseUdfRef>[0]) => parseUdfRef(ref).problems.join('; ');
  assert.match(problem('udf/a.cjs#f'), /cannot tell the language/);
  assert.match(problem({ js: 'udf/a.cjs#f' }), /must end in \.js, \.mjs, \.ts, \.mts/);
  assert.match(problem('udf/a.js'), /should be file#function, e.g. udf\/clean\.js#clean/);
  assert.match(problem('../a.js#f'), /relative path inside the project folder/);
  assert.match(problem('udf/a.py#2f'), /"2f" is not a Python function name/);
  assert.match(problem('udf/my-udf.py#f'), /cannot be imported/);
  assert.match(problem({ python: 'udf/a.js#f' }), /must end in \.py/);
});

test('a .mts JS UDF, which the isolate loads, validates (before: "the extension must be .js, .mjs, .ts or .py")', async () => {
  mkdirSync(join(dir, 'udf'));
  writeFileSync(
    join(dir, 'udf', 'level.mts'),
    'export function level(r: { n: number }) { return { ...r, n: r.n + 1 }; }\n',
  );
  const yaml = `sources:
  game: { files: { path: "data/*.log" } }
tables:
  t:
    source: game
    parser: { json: {} }
    extend: [{ udf: udf/level.mts#level }]
    schema: { n: INT }
`;
  const loaded = await loadProjectFromText(yaml, dir);
  assert.deepEqual(loaded.ok ? [] : loaded.problems, []);
});
