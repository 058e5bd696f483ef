import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import type { Row } from '../../core/record.ts';
import { column } from '../../types/test-support.ts';
import { ALL_TYPES, FULL_ROW } from './avro.fixture.ts';
import { createAvroRowCodec } from './avro.ts';
import { frame, unframe } from './confluent.ts';

test('every logical type round-trips through the Avro codec in its runtime form', () => {
  const codec = createAvroRowCodec(ALL_TYPES, 'Everything');
  assert.deepEqual(codec.decode(codec.encode(FULL_ROW)), FULL_ROW);
});

test('nulls round-trip for every nullable column; missing columns are written as null', () => {
  const codec = createAvroRowCodec(ALL_TYPES, 'Everything');
  const nulls: Row = {};
  for (const c of ALL_TYPES) nulls[c.name] = c.type.nullable ? null : FULL_ROW[c.name]!;
  assert.deepEqual(codec.decode(codec.encode(nulls)), nulls);
  assert.deepEqual(codec.decode(codec.encode({ flag: false, big: 0n })), { ...nulls, flag: false, big: 0n });
});

test('plain avsc (no logical types, as other clients read) agrees with the bytes Weir writes', () => {
  const codec = createAvroRowCodec(ALL_TYPES, 'Everything');
  const row = { ...FULL_ROW, big: 42n, counts: new Map([['gold', 10n]]), profile: null, items: [] };
  const plain = avro.Type.forSchema(codec.schema as avro.Schema).fromBuffer(codec.encode(row)) as Record<
    string,
    unknown
  >;
  assert.equal(plain.big, 42);
  assert.equal(plain.day, -1);
  assert.equal(plain.ts_ms, 1_764_064_801_123, 'timestamp-millis carries milliseconds');
  assert.equal(plain.ts_us, 1_764_064_801_123_456);
  assert.equal(plain.at_ms, -1);
  assert.deepEqual(plain.cents, Buffer.from([0x30, 0x39]), '12345 as big-endian two’s complement');
  assert.deepEqual(plain.blob, Buffer.from([0, 255, 1, 128]));
  assert.deepEqual({ ...(plain.counts as object) }, { gold: 10 });
  assert.equal(plain.name, '玩家 one');
});

test('decimal bytes are minimal two’s complement at the sign boundaries', () => {
  const codec = createAvroRowCodec([column('d', 'DECIMAL(20, 0) NOT NULL')], 'D');
  const plain = avro.Type.forSchema(codec.schema as avro.Schema);
  const cases: [bigint, number[]][] = [
    [0n, [0]],
    [127n, [0x7f]],
    [128n, [0x00, 0x80]],
    [-1n, [0xff]],
    [-128n, [0x80]],
    [-129n, [0xff, 0x7f]],
    [65535n, [0x00, 0xff, 0xff]],
  ];
  for (const [value, bytes] of cases) {
    const buf = codec.encode({ d: value });
    assert.deepEqual((plain.fromBuffer(buf) as { d: Buffer }).d, Buffer.from(bytes), `${value}`);
    assert.equal(codec.decode(buf).d, value);
  }
});

test('a value that does not fit is a plain error naming the field', () => {
  const codec = createAvroRowCodec(ALL_TYPES, 'Everything');
  assert.throws(() => codec.encode({ ...FULL_ROW, n: 'seven' }), /field "n": seven is not a valid/);
  assert.throws(
    () => codec.encode({ ...FULL_ROW, big: null }),
    /field "big": null \(missing\) is not a valid/,
  );
  assert.throws(
    () => codec.encode({ ...FULL_ROW, cents: 1234567n }),
    /1234567 \(unscaled\) has 7 digits, more than its precision 5/,
  );
});

test('Confluent framing: magic byte 0, 4-byte big-endian schema id, then the payload', () => {
  const framed = frame(258, Buffer.from([9, 8]));
  assert.deepEqual([...framed], [0, 0, 0, 1, 2, 9, 8]);
  const { id, payload } = unframe(framed);
  assert.equal(id, 258);
  assert.deepEqual([...payload], [9, 8]);
  assert.throws(() => unframe(new Uint8Array([0, 0, 1])), /3 bytes, too short/);
  assert.throws(() => unframe(Buffer.from('{"json":1}')), /magic byte 0 \(got 123\)/);
});
