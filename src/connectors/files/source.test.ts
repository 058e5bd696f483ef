import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isOversized, resolveFiles, SplitReader } from './source.ts';

const opts = { maxRecordBytes: 1024 };

async function readAll(reader: SplitReader, batch = 2): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const records = await reader.next(batch);
    if (records.length === 0) return out;
    out.push(...records.map((r) => r.text));
  }
}

test('reads lines (CRLF too, last line without newline) and resumes exactly from a position', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-src-'));
  const file = join(dir, 'a.log');
  await writeFile(file, 'one\r\ntwo\nthree\n\nfünf\nlast');
  const reader = new SplitReader(file, { offset: 0, line: 0 }, opts);
  const first = await reader.next(2);
  assert.deepEqual(
    first.map((r) => [r.text, r.position.offset, r.position.line]),
    [
      ['one', 0, 1],
      ['two', 5, 2],
    ],
  );
  const resumed = new SplitReader(file, reader.position, opts);
  assert.deepEqual(await readAll(resumed), ['three', '', 'fünf', 'last']);
  assert.deepEqual(resumed.position, { offset: Buffer.byteLength('one\r\ntwo\nthree\n\nfünf\nlast'), line: 6 });
});

test('gzip files resume at an uncompressed offset', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-src-'));
  const file = join(dir, 'a.log.gz');
  const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
  await writeFile(file, gzipSync(`${lines.join('\n')}\n`));
  const reader = new SplitReader(file, { offset: 0, line: 0 }, opts);
  await reader.next(600);
  const resumed = new SplitReader(file, reader.position, opts);
  const rest = await readAll(resumed, 100);
  assert.deepEqual(rest, lines.slice(600));
});

test('a record over the limit is cut to its head and the reader keeps its place', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-src-'));
  const file = join(dir, 'big.log');
  await writeFile(file, `a\n${'x'.repeat(5000)}\nb\n`);
  const reader = new SplitReader(file, { offset: 0, line: 0 }, opts);
  const records = await reader.next(10);
  assert.equal(records.length, 3);
  assert.ok(isOversized(records[1]));
  assert.equal(records[1].oversized, 5000);
  assert.equal(records[2].text, 'b');
  assert.equal(records[2].position.line, 3);
});

test('resolveFiles expands globs relative to the project, sorted and unique', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-src-'));
  await writeFile(join(dir, 'b.log'), '');
  await writeFile(join(dir, 'a.log'), '');
  await writeFile(join(dir, 'c.txt'), '');
  const files = await resolveFiles(dir, ['*.log', 'a.*']);
  assert.deepEqual(files, [join(dir, 'a.log'), join(dir, 'b.log')]);
});
