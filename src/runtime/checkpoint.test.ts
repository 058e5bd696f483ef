import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { emptyCounters } from '../metrics/counters.ts';
import {
  fenceWorkers,
  latestManifest,
  type Manifest,
  ManifestFencedError,
  parseManifest,
  readManifests,
  writeManifest,
} from './checkpoint.ts';

function manifest(
  worker: number,
  epoch: number,
  generation: number,
  positions: Record<string, number>,
): Manifest {
  return {
    format: 1,
    source: 'game',
    worker,
    epoch,
    generation,
    configVersion: 'v',
    time: 0,
    positions: Object.fromEntries(Object.entries(positions).map(([s, offset]) => [s, { offset, line: 0 }])),
    pending: [
      { inProgress: `/w/.part-${epoch}`, final: `/w/part-${epoch}`, partition: {}, rows: 1, bytes: 1 },
    ],
    partitions: [],
    counters: emptyCounters(),
  };
}

test('the latest manifest is the newest epoch; older files are removed', async () => {
  const root = await mkdtemp(join(tmpdir(), 'weir-ckpt-'));
  assert.equal(await latestManifest(root, 'game', 1), undefined);
  assert.deepEqual(await readManifests(root, 'game'), []);
  for (let e = 1; e <= 12; e++) await writeManifest(root, manifest(1, e, 3, { 't/0': e * 10 }));
  await writeManifest(root, manifest(2, 4, 3, { 't/1': 5 }));
  assert.equal((await latestManifest(root, 'game', 1))?.epoch, 12);
  assert.deepEqual(
    (await readManifests(root, 'game')).map((m) => [m.worker, m.epoch]),
    [
      [1, 12],
      [2, 4],
    ],
  );
  assert.deepEqual(await readdir(join(root, 'game', 'worker-1')), ['000000000012.json']);
  // The same name twice is refused: a checkpoint is committed once.
  await assert.rejects(writeManifest(root, manifest(1, 12, 3, {})), ManifestFencedError);
});

test('a new owner fences workers of older generations that held its partitions', async () => {
  const root = await mkdtemp(join(tmpdir(), 'weir-ckpt-'));
  await writeManifest(root, manifest(1, 7, 5, { 't/0': 100, 't/1': 50 }));
  await writeManifest(root, manifest(2, 3, 5, { 't/2': 70 }));
  await writeManifest(root, manifest(3, 9, 6, { 't/0': 20 }));

  // Worker 4 gets t/0 in generation 6: worker 1 (generation 5, holds t/0) is fenced; worker 2 does
  // not hold t/0 and worker 3 is of the same generation, so neither is touched.
  await fenceWorkers(root, 'game', 4, 6, ['t/0']);
  const fence = (await latestManifest(root, 'game', 1))!;
  assert.deepEqual([fence.epoch, fence.fenced, fence.fencedBelow], [8, true, 6]);
  assert.deepEqual(fence.positions, manifest(1, 7, 5, { 't/0': 100, 't/1': 50 }).positions);
  assert.deepEqual(fence.pending, manifest(1, 7, 5, {}).pending, 'recovery still completes its files');
  assert.equal((await latestManifest(root, 'game', 2))?.fenced, undefined);
  assert.equal((await latestManifest(root, 'game', 3))?.fenced, undefined);

  // Worker 1, stalled in generation 5, cannot commit its next checkpoint...
  await assert.rejects(writeManifest(root, manifest(1, 8, 5, { 't/0': 180 })), ManifestFencedError);
  assert.equal((await latestManifest(root, 'game', 1))?.positions['t/0']?.offset, 100);

  // Fencing again in the same generation changes nothing; a newer generation fences past it.
  await fenceWorkers(root, 'game', 4, 6, ['t/0']);
  assert.equal((await latestManifest(root, 'game', 1))?.epoch, 8);
  await fenceWorkers(root, 'game', 3, 8, ['t/1']);
  const stronger = (await latestManifest(root, 'game', 1))!;
  assert.deepEqual([stronger.epoch, stronger.fencedBelow], [9, 8]);
  assert.deepEqual(await readdir(join(root, 'game', 'worker-1')), [
    '000000000007.json',
    '000000000008.json',
    '000000000009.json',
  ]);
});

test('a fence stops every older generation, the one the worker last wrote in or a later one', async () => {
  const root = await mkdtemp(join(tmpdir(), 'weir-ckpt-'));
  // Worker 2 last wrote in generation 5, then joined generation 6 and read more, then stalled
  // mid-checkpoint while the group moved on to generation 7 without it.
  await writeManifest(root, manifest(2, 3, 5, { 't/0': 10 }));
  await fenceWorkers(root, 'game', 1, 7, ['t/0']);
  await assert.rejects(writeManifest(root, manifest(2, 4, 6, { 't/0': 40 })), ManifestFencedError);
  assert.equal((await latestManifest(root, 'game', 2))?.positions['t/0']?.offset, 10);
});

test('a healthy worker in the new generation writes past a fence of the old one', async () => {
  const root = await mkdtemp(join(tmpdir(), 'weir-ckpt-'));
  await writeManifest(root, manifest(2, 3, 5, { 't/0': 10, 't/1': 10 }));
  // Worker 1 takes t/0 over in generation 6 while worker 2 keeps t/1 (and has not checkpointed in 6 yet).
  await fenceWorkers(root, 'game', 1, 6, ['t/0']);
  const next = manifest(2, 4, 6, { 't/0': 10, 't/1': 30 });
  await writeManifest(root, next);
  assert.equal(next.epoch, 5, 'the fenced name is skipped');
  const m = (await latestManifest(root, 'game', 2))!;
  assert.deepEqual([m.epoch, m.generation, m.fenced, m.positions['t/1']?.offset], [5, 6, undefined, 30]);
  assert.deepEqual(await readdir(join(root, 'game', 'worker-2')), ['000000000005.json']);
});

test('manifests are parsed with a schema: format 1 reads; a newer, truncated or foreign one is refused by name', async () => {
  const { readFileSync } = await import('node:fs');
  const fixture = readFileSync(new URL('./testdata/manifest-format-1.json', import.meta.url), 'utf8');
  const m = parseManifest('000000000001.json', fixture);
  assert.deepEqual(
    [m.format, m.source, m.worker, m.epoch, m.pending.length, m.partitions.length],
    [1, 's', 0, 1, 2, 2],
  );
  assert.equal(m.positions['/project/in.log']?.offset, 47);
  assert.throws(
    () => parseManifest('/c/000000000002.json', fixture.replace('"format": 1', '"format": 2')),
    /checkpoint manifest \/c\/000000000002\.json has format 2; this Weir reads format 1: it was written by a newer Weir/,
  );
  assert.throws(
    () => parseManifest('/c/x.json', fixture.slice(0, 200)),
    /checkpoint manifest \/c\/x\.json is not valid JSON .*truncated/,
  );
  assert.throws(
    () => parseManifest('/c/x.json', '{"format":1,"source":"s"}'),
    /checkpoint manifest \/c\/x\.json is not a Weir checkpoint manifest: worker:/,
  );
});
