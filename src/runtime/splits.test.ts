import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RANGE_SPLIT_BYTES } from '../connectors/files/source.ts';
import { assignSplits, ownerOf } from './splits.ts';

const MB = 1024 * 1024;

function loads(
  splits: { id: string; bytes: number }[],
  owners: Map<string, number>,
  workers: number,
): number[] {
  const out = new Array<number>(workers).fill(0);
  for (const s of splits) out[owners.get(s.id)!]! += s.bytes;
  return out;
}

test('the byte ranges of one big file are shared out evenly (hashing gave one worker 4 of 5)', () => {
  const size = 143 * MB;
  const splits = [];
  for (let start = 0; start < size; start += RANGE_SPLIT_BYTES)
    splits.push({ id: `big.log#${start}`, bytes: Math.min(size, start + RANGE_SPLIT_BYTES) - start });
  const hashed = [0, 0];
  for (const s of splits) hashed[ownerOf(s.id, 2)]! += 1;
  const owners = assignSplits(splits, 2);
  assert.equal(owners.size, splits.length);
  const [a, b] = loads(splits, owners, 2) as [number, number];
  assert.ok(Math.abs(a - b) <= RANGE_SPLIT_BYTES, `${a / MB} MB vs ${b / MB} MB`);
  assert.deepEqual(assignSplits(splits, 2), owners, 'the same list gives the same owners');
});

test('many files of mixed sizes: no worker gets more than the largest file above the others', () => {
  const splits = Array.from({ length: 40 }, (_, i) => ({
    id: `f${i}.log`,
    bytes: ((i * 7919) % 97) * MB + 1,
  }));
  for (const workers of [2, 3, 8]) {
    const owners = assignSplits(splits, workers);
    const load = loads(splits, owners, workers);
    const largest = Math.max(...splits.map((s) => s.bytes));
    assert.ok(
      Math.max(...load) - Math.min(...load) <= largest,
      `${workers} workers: ${load.map((l) => l / MB)}`,
    );
    assert.ok([...owners.values()].every((w) => w >= 0 && w < workers));
  }
  assert.ok([...assignSplits(splits, 1).values()].every((w) => w === 0));
});
