// The compaction protocol on a real folder: readers sampling the partition all through a
// compaction, while a writer keeps committing into it, never see a row twice or miss a committed
// one; a compaction stopped at any step is finished by the next settle, exactly once.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { commitFiles } from './commit.ts';
import {
  type CompactionLedger,
  committedFiles,
  listLedgers,
  mergePartition,
  type PartitionLocator,
  type PartitionTarget,
  settle,
  swap,
} from './compaction.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'weir-compact-'));
  dirs.push(root);
  const dir = join(root, 't', 'dt=2026-12-01');
  let location = dir;
  const locator: PartitionLocator = {
    get: async () => location,
    set: async (to) => {
      location = to;
    },
  };
  const target: PartitionTarget = {
    table: 'g.t',
    format: 'json',
    values: { dt: '2026-12-01' },
    dir,
    rel: 'dt=2026-12-01',
    locator,
    home: join(root, 't', '_weir_compactions'),
  };
  return { root, dir, locator, target };
}

let seq = 0;
/** Commits one file of `n` rows (ids from `from`) the way a worker does: in progress, then renamed. */
async function commitRows(dir: string, from: number, n: number): Promise<void> {
  const name = `part-w-${String(seq++).padStart(5, '0')}.json`;
  const inProgress = join(dir, `.${name}.inprogress`);
  const lines = Array.from({ length: n }, (_, i) => `{"id":${from + i}}\n`).join('');
  await writeFile(inProgress, lines);
  await commitFiles([{ inProgress, final: join(dir, name), partition: {}, rows: n, bytes: lines.length }]);
}

/** What a reader sees: the ids in the files of the partition's location, listed then read. */
async function read(locator: PartitionLocator): Promise<number[]> {
  const at = (await locator.get())!;
  const ids: number[] = [];
  for (const f of await committedFiles(at))
    for (const line of (await readFile(join(at, f.name), 'utf8')).split('\n'))
      if (line) ids.push(JSON.parse(line).id as number);
  return ids.sort((a, b) => a - b);
}

const settings = { target_bytes: 4096, min_files: 3, grace_seconds: 0 };

test('readers never see a row twice or miss one while a compaction swaps files and a writer commits', async () => {
  const { dir, locator, target } = setup();
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  let committed = 0;
  for (let i = 0; i < 20; i++) {
    await commitRows(dir, committed, 25);
    committed += 25;
  }
  // Rows of a commit under way may or may not show yet: a sample may see up to `started`.
  let started = committed;
  let done = false;
  const writer = (async () => {
    while (!done) {
      started += 5;
      await commitRows(dir, committed, 5);
      committed += 5;
    }
  })();
  const samples: string[] = [];
  const reader = (async () => {
    while (!done) {
      const before = committed;
      const ids = await read(locator);
      const after = started;
      const distinct = new Set(ids).size;
      if (distinct !== ids.length) samples.push(`duplicates: ${ids.length - distinct}`);
      if (ids.length < before || ids.length > after)
        samples.push(`saw ${ids.length}, committed ${before}..${after}`);
      for (let i = 0; i < ids.length; i++) if (ids[i] !== i) samples.push(`missing id ${i}`);
    }
  })();
  const merged = await mergePartition(target, settings);
  assert.ok(merged.length > 0, 'the small files are due');
  const swapped = await swap(target.home, merged, settings.grace_seconds);
  assert.equal(swapped.length, merged.length);
  done = true;
  await Promise.all([writer, reader]);
  assert.deepEqual(samples.slice(0, 5), [], 'every sample saw exactly the committed rows');
  assert.equal(await locator.get(), dir, 'readers are home again');
  const ids = await read(locator);
  assert.equal(ids.length, committed);
  assert.equal(new Set(ids).size, committed);
  const files = await committedFiles(dir);
  const inputs = merged.flatMap((m) => m.ledger.inputs);
  assert.ok(
    inputs.every((n) => !files.some((f) => f.name === n)),
    'the inputs are gone from the folder',
  );
  assert.ok(
    files.some((f) => f.name.startsWith('part-c')),
    'the merged files are in',
  );
  await settle(target.home, () => locator, 0);
  assert.deepEqual(await listLedgers(target.home), [], 'settled: no ledger left');
  assert.deepEqual(readdirSync(target.home), [], 'settled: no detour folder left');
});

for (const step of ['merging', 'merged', 'detoured'] as const) {
  test(`a compaction stopped at step ${step} is finished (or dropped) by settle: rows exact, nothing left over`, async () => {
    const { dir, locator, target } = setup();
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < 6; i++) await commitRows(dir, i * 10, 10);
    const [m] = await mergePartition(target, settings);
    const ledger: CompactionLedger = m!.ledger;
    if (step === 'merging') {
      // A merge cut short: its ledger says merging, a partial output lies hidden in the folder.
      ledger.step = 'merging';
      await writeFile(join(target.home, `${ledger.id}.json`), JSON.stringify(ledger));
    } else if (step === 'detoured') {
      // Stopped after pointing readers at the detour folder.
      await swapToDetourOnly(target, ledger);
      assert.notEqual(await locator.get(), dir, 'readers read the detour folder');
      assert.equal((await read(locator)).length, 60, 'which has every row');
    }
    await settle(target.home, () => locator, 0);
    assert.equal(await locator.get(), dir);
    const ids = await read(locator);
    assert.deepEqual(
      ids,
      Array.from({ length: 60 }, (_, i) => i),
      'every row once',
    );
    assert.deepEqual(await listLedgers(target.home), []);
    assert.ok(!readdirSync(dir).some((n) => n.endsWith('.compacting')), 'no hidden merged file left');
    assert.ok(!existsSync(join(target.home, ledger.id)), 'no detour folder left');
    const files = await committedFiles(dir);
    assert.equal(
      files.length,
      step === 'merging' ? 6 : 1,
      step === 'merging' ? 'dropped: the inputs stay' : 'merged',
    );
  });
}

/** Takes a merged ledger to step `detoured` only, as a crash right after it would leave it. */
async function swapToDetourOnly(target: PartitionTarget, ledger: CompactionLedger): Promise<void> {
  const { link, mkdir } = await import('node:fs/promises');
  const to = join(target.home, ledger.id, ledger.rel);
  await mkdir(to, { recursive: true });
  for (const f of await committedFiles(target.dir)) await link(join(target.dir, f.name), join(to, f.name));
  await target.locator.set(to);
  ledger.step = 'detoured';
  ledger.detour = to;
  await writeFile(join(target.home, `${ledger.id}.json`), JSON.stringify(ledger));
}
