// Pipeline tests as data: each folder under cases/ holds weir.yaml, input.log and expected.json
// (`{ tables: { t: { rows, errors: [{line, code, field?}] } }, counters? }`). Every source of the
// project runs over input.log; rows are compared in plain form (src/runtime/display.ts).
// UPDATE_CASES=1 rewrites expected.json from the actual output, for review by eye.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadProject } from '../../src/config/load.ts';
import { formatProblem } from '../../src/config/problems.ts';
import { rawRecordsOf } from '../../src/runtime/lines.ts';
import { previewProject } from '../../src/runtime/preview.ts';

const CASES = join(import.meta.dirname, 'cases');
const update = process.env.UPDATE_CASES === '1';

interface Expected {
  tables: Record<
    string,
    { rows: unknown[]; errors: { line?: number | null; code: string; field?: string }[] }
  >;
  counters?: { tables?: Record<string, unknown>; sinks?: Record<string, unknown>; unrouted?: number };
}

async function actual(dir: string) {
  const loaded = await loadProject(dir);
  if (!loaded.ok)
    assert.fail(`the case's weir.yaml does not load:\n${loaded.problems.map(formatProblem).join('\n')}`);
  const input = await readFile(join(dir, 'input.log'));
  const report = await previewProject(loaded.project, rawRecordsOf(input, 'input.log'));
  const tables: Expected['tables'] = {};
  const counters = {
    tables: {} as Record<string, unknown>,
    sinks: {} as Record<string, unknown>,
    unrouted: 0,
  };
  for (const [name, t] of Object.entries(report.tables)) {
    const c = t.counters;
    assert.equal(
      c.recordsIn,
      c.recordsOut + c.recordsDropped + c.recordsErrored,
      `table ${name}: in = out + dropped + errored`,
    );
    assert.equal(c.recordsErrored, t.errors.length, `table ${name}: one error record per errored record`);
    assert.equal(c.recordsOut, t.rows.length, `table ${name}: out = rows`);
    tables[name] = {
      rows: t.rows,
      errors: t.errors.map((e) =>
        e.field === undefined
          ? { line: e.line, code: e.code }
          : { line: e.line, code: e.code, field: e.field },
      ),
    };
    counters.tables[name] = c;
  }
  for (const [name, s] of Object.entries(report.sinks)) {
    assert.equal(s.recordsIn, s.recordsOut + s.recordsDropped, `sink ${name}: in = out + dropped`);
    counters.sinks[name] = {
      recordsIn: s.recordsIn,
      recordsOut: s.recordsOut,
      recordsDropped: s.recordsDropped,
    };
  }
  for (const s of Object.values(report.sources)) {
    counters.unrouted += s.unrouted;
    for (const e of s.errors) {
      tables['(source)'] ??= { rows: [], errors: [] };
      tables['(source)'].errors.push({ line: e.line, code: e.code });
    }
  }
  return { tables, counters };
}

const names = existsSync(CASES)
  ? (await readdir(CASES, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()
  : [];

test('there are pipeline cases', () => {
  assert.ok(names.length >= 12, `expected at least 12 cases, found ${names.length}`);
});

for (const name of names) {
  test(`case ${name}`, async () => {
    const dir = join(CASES, name);
    const got = await actual(dir);
    const file = join(dir, 'expected.json');
    if (update) {
      await writeFile(file, `${JSON.stringify(got, null, 2)}\n`);
      return;
    }
    if (!existsSync(file)) {
      assert.fail(
        `${name} has no expected.json yet: run UPDATE_CASES=1 node --test test/pipeline/ and review it by eye`,
      );
    }
    const expected = JSON.parse(await readFile(file, 'utf8')) as Expected;
    assert.deepEqual(got.tables, expected.tables);
    // Counters are optional in expected.json; when given, the listed ones must match.
    if (expected.counters?.tables) {
      for (const [t, c] of Object.entries(expected.counters.tables))
        assert.deepEqual(got.counters.tables[t], c, `counters of table ${t}`);
    }
    if (expected.counters?.sinks) {
      for (const [s, c] of Object.entries(expected.counters.sinks))
        assert.deepEqual(got.counters.sinks[s], c, `counters of sink ${s}`);
    }
    if (expected.counters?.unrouted !== undefined)
      assert.equal(got.counters.unrouted, expected.counters.unrouted);
  });
}
