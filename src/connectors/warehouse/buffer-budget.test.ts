import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { Row } from '../../core/record.ts';
import type { Column } from '../../core/types.ts';
import { BufferBudget, type BufferedFile } from './buffer-budget.ts';
import { openDataFile } from './data-file.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'weir-budget-'));
  dirs.push(d);
  return d;
}

/** A buffered file that only counts: grow() adds bytes through the budget, flushBuffered empties it. */
class FakeFile implements BufferedFile {
  bufferedBytes = 0;
  flushes = 0;
  private readonly budget: BufferBudget;
  constructor(budget: BufferBudget) {
    this.budget = budget;
    budget.register(this);
  }
  grow(n: number): void {
    this.bufferedBytes += n;
    this.budget.changed(n);
  }
  flushBuffered(): void {
    const n = this.bufferedBytes;
    this.bufferedBytes = 0;
    this.flushes++;
    this.budget.changed(-n);
  }
}

test('over the limit, the largest buffers are flushed until the total is at most half the limit', () => {
  const budget = new BufferBudget(1000);
  const [a, b, c] = [new FakeFile(budget), new FakeFile(budget), new FakeFile(budget)];
  a.grow(500);
  b.grow(300);
  c.grow(150);
  assert.equal(budget.bytes, 950);
  assert.deepEqual([a.flushes, b.flushes, c.flushes], [0, 0, 0]);
  c.grow(100); // 1050 > 1000: a (500) goes, leaving 550 > 500, then b (300) goes
  assert.deepEqual([a.flushes, b.flushes, c.flushes], [1, 1, 0]);
  assert.equal(budget.bytes, 250);
});

test('an unregistered file no longer counts and is never flushed', () => {
  const budget = new BufferBudget(100);
  const a = new FakeFile(budget);
  const b = new FakeFile(budget);
  a.grow(90);
  budget.unregister(a, a.bufferedBytes);
  assert.equal(budget.bytes, 0);
  b.grow(120);
  assert.equal(a.flushes, 0);
  assert.equal(b.flushes, 1);
});

test('a budget must be positive', () => {
  assert.throws(() => new BufferBudget(0), /positive number of bytes/);
});

const COLUMNS: Column[] = [
  { name: 'id', type: { kind: 'BIGINT', nullable: false }, onError: 'error' },
  { name: 'name', type: { kind: 'STRING', nullable: true }, onError: 'error' },
  { name: 'extra', type: { kind: 'JSON', nullable: true }, onError: 'error' },
  {
    name: 'items',
    type: {
      kind: 'ARRAY',
      nullable: true,
      element: {
        kind: 'ROW',
        nullable: true,
        fields: [{ name: 'cnt', type: { kind: 'INT', nullable: true } }],
      },
    },
    onError: 'error',
  },
];

const row = (i: number): Row => ({
  id: BigInt(i),
  name: `role ${i}`,
  extra: JSON.stringify({ note: 'x'.repeat(i % 50) }),
  items: i % 3 === 0 ? null : [{ cnt: i }, { cnt: null }],
});

test('parquet files sharing a small budget write early row groups and keep every row', async () => {
  const dir = temp();
  const budget = new BufferBudget(16 * 1024);
  const paths = [join(dir, 'a.parquet'), join(dir, 'b.parquet')];
  const files = paths.map((p) => openDataFile(p, COLUMNS, 'parquet', 'snappy', budget));
  for (let i = 0; i < 600; i++) files[i % 2]!.append(row(i));
  assert.ok(budget.bytes <= budget.limit, `buffered ${budget.bytes} stays within ${budget.limit}`);
  for (const f of files) f.close();
  assert.equal(budget.bytes, 0);

  for (const [k, path] of paths.entries()) {
    const buf = readFileSync(path);
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const meta = parquetMetadata(file);
    assert.ok(meta.row_groups.length > 1, `file ${k} has ${meta.row_groups.length} row groups`);
    const rows = await parquetReadObjects({ file });
    const want = Array.from({ length: 300 }, (_, j) => row(2 * j + k));
    assert.deepEqual(
      // hyparquet reads a null list back as undefined
      rows.map((r) => ({ ...r, id: BigInt(r.id), items: r.items ?? null })),
      want,
    );
    // Statistics only where readers use them: not for JSON text or nested columns.
    const stats = meta.row_groups[0]!.columns.map((c) => [
      c.meta_data!.path_in_schema.join('.'),
      c.meta_data!.statistics !== undefined,
    ]);
    assert.deepEqual(stats, [
      ['id', true],
      ['name', true],
      ['extra', false],
      ['items.list.element.cnt', false],
    ]);
  }
});

test('an aborted parquet file releases its share of the budget', () => {
  const dir = temp();
  const budget = new BufferBudget(1 << 30);
  const f = openDataFile(join(dir, 'c.parquet'), COLUMNS, 'parquet', 'none', budget);
  for (let i = 0; i < 10; i++) f.append(row(i));
  assert.ok(budget.bytes > 0);
  f.abort();
  assert.equal(budget.bytes, 0);
});
