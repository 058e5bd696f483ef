// Columns of every logical type and a row using all of them (Avro codec and registry tests).
import type { Row } from '../../core/record.ts';
import { column } from '../../types/test-support.ts';

/** One column of every logical type, nested ones included. */
export const ALL_TYPES = [
  column('flag', 'BOOLEAN NOT NULL'),
  column('tiny', 'TINYINT'),
  column('small', 'SMALLINT'),
  column('n', 'INT'),
  column('big', 'BIGINT NOT NULL'),
  column('ratio', 'FLOAT'),
  column('score', 'DOUBLE'),
  column('price', 'DECIMAL(38, 10)'),
  column('cents', 'DECIMAL(5, 2)'),
  column('name', 'STRING', { comment: 'player name' }),
  column('code', 'VARCHAR(8)'),
  column('blob', 'BINARY'),
  column('day', 'DATE'),
  column('ts_ms', 'TIMESTAMP(3)'),
  column('ts_us', 'TIMESTAMP(6)'),
  column('at_ms', 'TIMESTAMP_LTZ(3)'),
  column('at_us', 'TIMESTAMP_LTZ(6)'),
  column('tags', 'ARRAY<STRING>'),
  column('counts', 'MAP<STRING, BIGINT>'),
  column('profile', 'ROW<level INT NOT NULL, guild ROW<id BIGINT, name STRING>, scores ARRAY<DOUBLE>>'),
  column('items', 'ARRAY<ROW<item_id INT, qty INT>>'),
  column('extra', 'JSON'),
];

export const FULL_ROW: Row = {
  flag: true,
  tiny: -7,
  small: 31000,
  n: -2147483648,
  big: 9007199254740993n, // 2^53 + 1: not a safe JS number
  ratio: 1.5,
  score: -0.1,
  price: -123456789012345678901234567890n,
  cents: 12345n,
  name: '玩家 one',
  code: 'AB-12',
  blob: new Uint8Array([0, 255, 1, 128]),
  day: -1, // 1969-12-31
  ts_ms: 1_764_064_801_123_000,
  ts_us: 1_764_064_801_123_456,
  at_ms: -1_000, // 1 ms before the epoch
  at_us: 1_764_064_801_000_001,
  tags: ['a', '', 'c'],
  counts: new Map<string, bigint>([
    ['gold', 10n],
    ['gems', -3n],
  ]),
  profile: { level: 30, guild: { id: 77n, name: null }, scores: [1, 2.5] },
  items: [
    { item_id: 1, qty: 2 },
    { item_id: 9, qty: null },
  ],
  extra: '{"k":[1,2]}',
};
