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
  assert.deepEqual(resumed.position, {
    offset: Buffer.byteLength('one\r\ntwo\nthree\n\nfünf\nlast'),
    line: 6,
  });
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

test('byte-range splits of one file read every line exactly once, whatever the boundaries', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-src-'));
  const file = join(dir, 'big.log');
  const lines = Array.from({ length: 3000 }, (_, i) => `${i}:${'x'.repeat((i * 7919) % 97)}`);
  const text = `${lines.join('\n')}\n`;
  await writeFile(file, text);
  const size = Buffer.byteLength(text);
  // Boundaries of many sizes, including ones that fall exactly after a newline.
  const exact = text.indexOf('\n', 5000) + 1;
  for (const bytes of [997, 4096, exact, size - 1]) {
    const seen: string[] = [];
    for (let start = 0; start < size; start += bytes) {
      const range = { start, end: Math.min(start + bytes, size) };
      const reader = new SplitReader(
        `${file}#${start}`,
        { offset: start, line: 0 },
        { maxRecordBytes: 1 << 20, path: file, range },
      );
      for (;;) {
        const got = await reader.next(50);
        if (got.length === 0) break;
        for (const r of got) {
          assert.ok(
            r.position.offset >= start && r.position.offset < range.end,
            'a record belongs to the range it starts in',
          );
          seen.push(r.text);
        }
      }
      await reader.close();
    }
    assert.deepEqual(seen, lines, `ranges of ${bytes} bytes`);
  }
});

test('a byte-range split resumes from its checkpointed position', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-src-'));
  const file = join(dir, 'big.log');
  const lines = Array.from({ length: 200 }, (_, i) => `line-${i}`);
  await writeFile(file, `${lines.join('\n')}\n`);
  const range = { start: 500, end: 1200 };
  const opts = { maxRecordBytes: 1024, path: file, range };
  const first = new SplitReader(`${file}#500`, { offset: 500, line: 0 }, opts);
  const head = await first.next(10);
  assert.equal(head[0].position.line, undefined, 'line numbers are unknown mid-file');
  const rest = await readAll(new SplitReader(`${file}#500`, first.position, opts), 7);
  const all = await readAll(new SplitReader(`${file}#500`, { offset: 500, line: 0 }, opts), 7);
  assert.deepEqual([...head.map((r) => r.text), ...rest], all);
});
