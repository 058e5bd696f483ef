import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildAhoCorasick } from './aho-corasick.ts';

function found(keywords: string[], text: string): string[] {
  const ids = new Set<number>();
  buildAhoCorasick(keywords).scan(text, (id) => ids.add(id));
  return [...ids].sort((a, b) => a - b).map((id) => keywords[id]!);
}

test('finds every keyword, including ones inside or overlapping others', () => {
  assert.deepEqual(found(['he', 'she', 'his', 'hers'], 'ushers'), ['he', 'she', 'hers']);
  assert.deepEqual(found(['aab', 'ab', 'b', 'x'], 'aaab'), ['aab', 'ab', 'b']);
  assert.deepEqual(found(['[Login]', '[LoginRole]', 'Role]'], '[LoginRole]'), ['[LoginRole]', 'Role]']);
});

test('agrees with includes on random texts', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const alphabet = ['a', 'b', 'c', '勇', '😀', '\u0000', '\uFFFD'];
  const word = (len: number) => Array.from({ length: len }, () => alphabet[rnd(alphabet.length)]).join('');
  const keywords = [...new Set(Array.from({ length: 60 }, () => word(1 + rnd(4))))];
  for (let t = 0; t < 200; t++) {
    const text = word(rnd(40));
    assert.deepEqual(
      found(keywords, text),
      keywords.filter((k) => text.includes(k)),
      text,
    );
  }
});
