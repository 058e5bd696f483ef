// Malformed input through the whole pipeline: error records, never an exception, and
// in = out + dropped + errored for every table.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadProject } from '../../src/config/load.ts';
import { formatProblem } from '../../src/config/problems.ts';
import type { RawRecord } from '../../src/core/record.ts';
import { compilePipeline } from '../../src/runtime/pipeline.ts';

const CONFIG = `
sources:
  mixed:
    files: { path: input.log }
tables:
  as_json:
    source: mixed
    parser: { json: {} }
    extend:
      - flatten: { field: a, arrays: index, max_depth: 4 }
      - derive: { n: 'id + 1' }
    schema:
      id: BIGINT
      n: BIGINT
      s: STRING
      t: TIMESTAMP(3)
      a: JSON
      deep: { type: 'ARRAY<ARRAY<INT>>', on_error: 'null' }
  as_regex:
    source: mixed
    parser: { regex: { pattern: '^(?<word>\\w+) (?<rest>.*)$' } }
    schema:
      word: VARCHAR(16)
      rest: STRING
  as_csv:
    source: mixed
    parser: { csv: { columns: [x, y] } }
    schema:
      x: INT
      y: STRING
  as_oplog:
    source: mixed
    parser: { oplog: { header: '^\\[(?<kind>\\w+)\\],' } }
    schema:
      kind: STRING
      id: INT
`;

const dir = await mkdtemp(join(tmpdir(), 'weir-robust-'));
after(() => rm(dir, { recursive: true, force: true }));

function record(bytes: Uint8Array, line: number): RawRecord {
  return { bytes, text: new TextDecoder().decode(bytes), position: { split: 'input.log', offset: 0, line } };
}

const utf8 = (s: string) => new TextEncoder().encode(s);

function nested(depth: number, open: string, close: string, inner: string): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

const inputs: Uint8Array[] = [
  utf8('{"id":1,"s":"fine"}'),
  utf8('{"id":2,"s":"trunc'),
  utf8('{"id":'),
  new Uint8Array([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]), // invalid UTF-8 inside a string
  new Uint8Array([0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x0a]), // overlong and surrogate encodings
  utf8('{"id":3,"s":"\\ud800 lone high"}'),
  utf8('{"id":4,"s":"\\udc00\\ud800 reversed pair"}'),
  utf8(`{"id":5,"s":"${'x'.repeat(10 * 1024 * 1024)}"}`),
  utf8('z'.repeat(10 * 1024 * 1024)),
  utf8(nested(1000, '{"a":', '}', '1')),
  utf8(`{"id":6,"a":${nested(1000, '{"a":', '}', '1')}}`),
  utf8(`{"id":7,"deep":${nested(1000, '[', ']', '1')}}`),
  utf8(nested(1000, '[', ']', '')),
  utf8('{"id":8,"s":"nul\u0000inside"}'),
  new Uint8Array([0x00, 0x00, 0x00]),
  utf8('{"id":9\u0000}'),
  utf8('[op],{"id":"not a number"}'),
  utf8('[op],{"id":10}'),
  utf8('[op],'),
  utf8('"a","b'),
  utf8('{"id":18446744073709551616,"t":"9999-99-99"}'),
  utf8('{"id":11,"t":1e400}'),
  utf8(''),
];

test('malformed input yields error records, never an exception, and the counters add up', async () => {
  await writeFile(join(dir, 'weir.yaml'), CONFIG);
  const loaded = await loadProject(dir);
  if (!loaded.ok) assert.fail(loaded.problems.map(formatProblem).join('\n'));
  const pipeline = await compilePipeline(loaded.project, 'mixed');
  try {
    const result = await pipeline.process(inputs.map((b, i) => record(b, i + 1)));
    const tables = Object.keys(result.counters.tables).sort();
    assert.deepEqual(tables, ['as_csv', 'as_json', 'as_oplog', 'as_regex']);
    for (const name of tables) {
      const c = result.counters.tables[name]!;
      assert.equal(c.recordsIn, inputs.length, `${name}: every record is routed to it`);
      assert.equal(
        c.recordsIn,
        c.recordsOut + c.recordsDropped + c.recordsErrored,
        `${name}: in = out + dropped + errored`,
      );
      assert.equal(result.errors.filter((e) => e.table === name).length, c.recordsErrored, `${name}: errors`);
      assert.equal(result.tableRows.get(name)?.length, c.recordsOut, `${name}: rows`);
    }
    for (const e of result.errors) {
      assert.ok(e.raw instanceof Uint8Array);
      assert.ok(
        e.message.length > 0 && e.message.length < 2000,
        `a short plain message: ${e.message.slice(0, 200)}`,
      );
    }
    // The truncated JSON line is a PARSE_JSON error of the JSON table, with its line number.
    const truncated = result.errors.find((e) => e.table === 'as_json' && e.position.line === 2);
    assert.equal(truncated?.code, 'PARSE_JSON');
    // The first line is a good row in the JSON table.
    assert.deepEqual(result.tableRows.get('as_json')?.[0]?.id, 1n);
    // The oplog row with a good body made it.
    assert.ok(result.tableRows.get('as_oplog')?.some((r) => r.id === 10));
  } finally {
    await pipeline.close();
  }
});
