// The JS side of the marshal format on its own; python.test.ts checks both sides against Python.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWithBigInt, stringifyWithBigInt } from './json-bigint.ts';
import { MarshalValueError, MarshalWriter, readMarshal } from './marshal.ts';

function roundTrip(v: unknown): unknown {
  const w = new MarshalWriter(16);
  w.value(v);
  return readMarshal(w.written());
}

/** What JSON makes of a value: the writer follows JSON.stringify, the reader JSON.parse. */
function viaJson(v: unknown): unknown {
  return parseWithBigInt(stringifyWithBigInt(v));
}

test('values read back as JSON would give them', () => {
  const values: unknown[] = [
    null,
    true,
    0,
    -0,
    2147483647,
    2147483648,
    -2147483648,
    -2147483649,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    2n ** 64n,
    -(2n ** 100n) + 1n,
    1.5,
    -2.5e-300,
    1e300,
    1e21,
    123456789012345680000,
    2 ** 60,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    'a'.repeat(255),
    'b'.repeat(256),
    'x'.repeat(70_000),
    '玩家😀 "q"\n\u0001',
    'lone \ud800 and \udfff and pair 😀',
    `${'c'.repeat(40)}é`,
    [],
    {},
    [1, [2, [3, {}]], 'x'],
    { a: 1, nested: { b: [null, { c: 'd' }] }, skipped: undefined, fn: () => 1 },
    [undefined, () => 1],
    { when: new Date(Date.UTC(2026, 10, 25, 10, 0, 0)) },
  ];
  for (const v of values) assert.deepEqual(roundTrip(v), viaJson(v), `value ${String(v).slice(0, 40)}`);
});

test('keys repeated across values are written once and read back in every value', () => {
  const w = new MarshalWriter(16);
  const list = w.startList();
  const records = Array.from({ length: 300 }, (_, i) => ({
    id: i,
    name: `n${i}`,
    名前: 'x',
    nested: { id: -i || 0 },
  }));
  for (const r of records) w.value(r);
  w.endList(list, records.length);
  const bytes = w.written();
  assert.deepEqual(readMarshal(bytes), records);
  const text = Buffer.from(bytes).toString('latin1');
  assert.equal(text.split('nested').length - 1, 1, 'the key "nested" is written once');
  assert.equal(text.split('name').length - 1, 1, 'the key "name" is written once');
});

test('a cyclic value throws and leaves the writer as it was, key references included', () => {
  const cyclic: Record<string, unknown> = { fresh: 1 };
  cyclic.self = cyclic;
  const w = new MarshalWriter(16);
  const list = w.startList();
  w.value({ a: 1 });
  assert.throws(() => w.value({ a: 2, inner: cyclic }), TypeError);
  w.value({ fresh: 3, a: 4 });
  w.endList(list, 2);
  assert.deepEqual(readMarshal(w.written()), [{ a: 1 }, { fresh: 3, a: 4 }]);
});

test('data JSON cannot hold is a MarshalValueError named like the Python json error', () => {
  const cases: [number[], string, string][] = [
    [
      [0x67, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f],
      'ValueError',
      'Out of range float values are not JSON compliant: inf',
    ],
    [[0x73, 1, 0, 0, 0, 0x41], 'TypeError', 'Object of type bytes is not JSON serializable'],
    [[0x3c, 0, 0, 0, 0], 'TypeError', 'Object of type set is not JSON serializable'],
    // [x] where x is the list itself: a reference to a list still being read.
    [[0xdb, 1, 0, 0, 0, 0x72, 0, 0, 0, 0], 'ValueError', 'Circular reference detected'],
    // {(1,): 2}
    [
      [0x7b, 0x29, 1, 0x69, 1, 0, 0, 0, 0x69, 2, 0, 0, 0, 0x30],
      'TypeError',
      'keys must be str, int, float, bool or None, not tuple',
    ],
  ];
  for (const [bytes, errorClass, message] of cases) {
    assert.throws(
      () => readMarshal(new Uint8Array(bytes)),
      (e: unknown) => e instanceof MarshalValueError && e.errorClass === errorClass && e.message === message,
      message,
    );
  }
  // bytes are allowed where the caller expects them (the runner's answer).
  assert.deepEqual(
    readMarshal(new Uint8Array([0x73, 1, 0, 0, 0, 0x41]), { bytes: true }),
    new Uint8Array([0x41]),
  );
});

test('a list or dict referenced twice is read as two copies; tuples are lists; other keys as JSON writes them', () => {
  // [d, d] with d = {'k': 1}: the second is a reference ('r') to the first.
  const shared = readMarshal(
    new Uint8Array([0x5b, 2, 0, 0, 0, 0xfb, 0x7a, 1, 0x6b, 0x69, 1, 0, 0, 0, 0x30, 0x72, 0, 0, 0, 0]),
  ) as object[];
  assert.deepEqual(shared, [{ k: 1 }, { k: 1 }]);
  assert.notEqual(shared[0], shared[1]);
  // {1: (True, None), None: 2}
  const keys = readMarshal(
    new Uint8Array([0x7b, 0x69, 1, 0, 0, 0, 0x29, 2, 0x54, 0x4e, 0x4e, 0x69, 2, 0, 0, 0, 0x30]),
  );
  assert.deepEqual(keys, { 1: [true, null], null: 2 });
});

test('truncated or unknown data is an ordinary Error, not a value error', () => {
  for (const bytes of [[0x5b, 2, 0, 0, 0, 0x4e], [0x75, 9, 0, 0, 0, 0x41], [0x7b], [0x01], [0x4e, 0x4e]]) {
    assert.throws(
      () => readMarshal(new Uint8Array(bytes)),
      (e: unknown) => e instanceof Error && !(e instanceof MarshalValueError),
      JSON.stringify(bytes),
    );
  }
});
