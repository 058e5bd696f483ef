// The Avro source's JSON text, read back through the json parser and the declared columns: a row
// Weir's Avro sink wrote comes back the same, and logical types are exact whatever their unit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFormatter } from '../../stages/formatter/index.ts';
import { compileJsonParser } from '../../stages/parser/json.ts';
import { column } from '../../types/test-support.ts';
import { ALL_TYPES, FULL_ROW } from './avro.fixture.ts';
import { createAvroRowCodec } from './avro.ts';
import { avroJsonDecoder } from './avro-json.ts';

const parse = compileJsonParser();

test('a row of every type written by the Avro sink reads back the same through the Avro source', () => {
  const codec = createAvroRowCodec(ALL_TYPES, 'Everything');
  const text = avroJsonDecoder(codec.schema)(codec.encode(FULL_ROW));
  // A JSON column travels as an Avro string; read as STRING it is the same text (read as JSON,
  // a string is a JSON string, the documented rule).
  const reading = ALL_TYPES.map((c) => (c.name === 'extra' ? column('extra', 'STRING') : c));
  assert.deepEqual(compileFormatter(reading)(parse(text)), FULL_ROW);
});

test('logical types from other writers: decimals, dates, times and timestamps in every unit are exact', () => {
  const schema = {
    type: 'record',
    name: 'pay',
    fields: [
      { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 38, scale: 2 } },
      {
        name: 'fixed',
        type: { type: 'fixed', name: 'f8', size: 8, logicalType: 'decimal', precision: 18, scale: 4 },
      },
      { name: 'day', type: { type: 'int', logicalType: 'date' } },
      { name: 'at_ms', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'at_us', type: { type: 'long', logicalType: 'timestamp-micros' } },
      { name: 'wall_us', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
      { name: 'clock_ms', type: { type: 'int', logicalType: 'time-millis' } },
      { name: 'clock_us', type: { type: 'long', logicalType: 'time-micros' } },
      { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    ],
  };
  // the bytes by hand: zig-zag varints and two's complement, as any Avro writer produces them
  const zz = (n: bigint) => {
    let v = n >= 0n ? n << 1n : (-n << 1n) - 1n;
    const out: number[] = [];
    do {
      out.push(Number((v & 0x7fn) | (v > 0x7fn ? 0x80n : 0n)));
      v >>= 7n;
    } while (v > 0n);
    return out;
  };
  const uuid = Buffer.from('0f8fad5b-d9cb-469f-a165-70867728950e');
  const payload = Buffer.from([
    ...zz(2n),
    0xff,
    0x9b, // -101 unscaled → -1.01
    0,
    0,
    0,
    0,
    0,
    0,
    0x30,
    0x39, // 12345 unscaled → 1.2345
    ...zz(20417n), // 2025-11-25
    ...zz(1_764_064_801_123n),
    ...zz(1_764_064_801_123_456n),
    ...zz(-1n), // 1 µs before the epoch, as a wall clock
    ...zz(36_001_123n), // 10:00:01.123
    ...zz(36_001_000_001n),
    ...zz(BigInt(uuid.length)),
    ...uuid,
  ]);
  const record = JSON.parse(avroJsonDecoder(schema)(payload));
  assert.deepEqual(record, {
    amount: '-1.01',
    fixed: '1.2345',
    day: '2025-11-25',
    at_ms: '2025-11-25 10:00:01.123Z',
    at_us: '2025-11-25 10:00:01.123456Z',
    wall_us: '1969-12-31 23:59:59.999999',
    clock_ms: '10:00:01.123',
    clock_us: '10:00:01.000001',
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  });
  const columns = [
    column('amount', 'DECIMAL(10, 2)'),
    column('fixed', 'DECIMAL(10, 4)'),
    column('day', 'DATE'),
    column('at_ms', 'TIMESTAMP_LTZ(3)'),
    column('at_us', 'TIMESTAMP(6)'),
    column('wall_us', 'TIMESTAMP(6)'),
    column('clock_ms', 'STRING'),
  ];
  assert.deepEqual(compileFormatter(columns)(parse(JSON.stringify(record))), {
    amount: -101n,
    fixed: 12345n,
    day: 20417,
    at_ms: 1_764_064_801_123_000,
    at_us: 1_764_064_801_123_456,
    wall_us: -1,
    clock_ms: '10:00:01.123',
  });
});
