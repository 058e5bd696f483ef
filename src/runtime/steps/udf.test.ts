import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ErrorRecord } from '../../core/errors.ts';
import type { RawRecord } from '../../core/record.ts';
import { errorRecord, type Failure } from './errors.ts';
import type { Item, TableBatch } from './types.ts';
import { loadUdf, postprocessStep, preprocessStep } from './udf.ts';

function batchOf(): TableBatch & { failures: Failure[] } {
  const failures: Failure[] = [];
  const errors: ErrorRecord[] = [];
  return {
    table: 't',
    counters: { recordsIn: 0, recordsOut: 0, recordsDropped: 0, recordsErrored: 0, user: {} },
    errors,
    failures,
    fail(item, f) {
      failures.push(f);
      errors.push(errorRecord(f, 't', item.raw, 'v1', 0));
    },
  };
}

const raw = (text: string, line: number): RawRecord => ({
  bytes: new TextEncoder().encode(text),
  text,
  position: { split: 'in.log', offset: 0, line },
});

test('UDF error messages name the UDF once, with its stack line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-udf-step-'));
  try {
    await writeFile(
      join(dir, 'u.js'),
      [
        'export function post(r) { if (r.kind === "boom") throw new TypeError("boom"); return r.kind === "num" ? 42 : r; }',
        'export function pre(line) { return line === "n" ? 7 : line; }',
      ].join('\n'),
    );
    const post = await loadUdf('u.js#post', 'postprocess', { projectDir: dir });
    const batch = batchOf();
    const items: Item[] = ['ok', 'num', 'boom'].map((kind, i) => ({
      raw: raw(kind, i + 1),
      value: { kind },
    }));
    const out = await postprocessStep(post)(items, batch);
    assert.deepEqual(
      out.map((i) => i.value),
      [{ kind: 'ok' }],
    );
    const [wrong, thrown] = batch.failures;
    assert.equal(wrong?.code, 'UDF');
    assert.match(wrong!.message, /^u\.js#post returned a number; /);
    assert.equal(wrong!.message.split('u.js#post').length - 1, 1, wrong!.message);
    assert.equal(thrown?.errorClass, 'TypeError');
    assert.match(thrown!.message, /^u\.js#post: boom \(at post \(u\.js:1:\d+\)\)$/);

    const pre = await loadUdf('u.js#pre', 'preprocess', { projectDir: dir });
    const preBatch = batchOf();
    await preprocessStep(pre)([{ raw: raw('n', 1), value: 'n' }], preBatch);
    assert.equal(preBatch.failures[0]?.code, 'PREPROCESS');
    assert.equal(
      preBatch.failures[0]!.message.split('u.js#pre').length - 1,
      1,
      preBatch.failures[0]!.message,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
