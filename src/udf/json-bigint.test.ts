import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWithBigInt, stringifyWithBigInt } from './json-bigint.ts';

test('bigint is written as an integer literal', () => {
  assert.equal(
    stringifyWithBigInt({ a: 12345678901234567890n, b: [1n, 'x'] }),
    '{"a":12345678901234567890,"b":[1,"x"]}',
  );
  assert.equal(stringifyWithBigInt(['plain', 1.5]), '["plain",1.5]');
});

test('integers beyond 2^53 are read as bigint, the rest as numbers', () => {
  assert.deepEqual(
    parseWithBigInt('{"a":12345678901234567890,"b":-9007199254740993,"c":9007199254740991,"d":1.5e300}'),
    {
      a: 12345678901234567890n,
      b: -9007199254740993n,
      c: 9007199254740991,
      d: 1.5e300,
    },
  );
  assert.deepEqual(parseWithBigInt('["12345678901234567890",2]'), ['12345678901234567890', 2]);
});

test('round trip keeps big integers exact', () => {
  const value = { id: 2n ** 64n + 1n, nested: [{ n: -(2n ** 70n) }], small: 3 };
  assert.deepEqual(parseWithBigInt(stringifyWithBigInt(value)), value);
});

test('a cycle still throws', () => {
  const cyclic: Record<string, unknown> = { n: 1n };
  cyclic.self = cyclic;
  assert.throws(() => stringifyWithBigInt(cyclic), TypeError);
});
