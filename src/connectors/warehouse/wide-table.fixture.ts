// A wide table covering every logical type, with the awkward values each format must survive.
import type { Row } from '../../core/record.ts';
import type { Column, LogicalType } from '../../core/types.ts';

const t = (kind: string, extra: object = {}, nullable = true) =>
  ({ kind, nullable, ...extra }) as LogicalType;
const col = (name: string, type: LogicalType): Column => ({ name, type, onError: 'error' });

export const WIDE_COLUMNS: Column[] = [
  col('id', t('INT', {}, false)),
  col('b', t('BOOLEAN')),
  col('ti', t('TINYINT')),
  col('si', t('SMALLINT')),
  col('i', t('INT')),
  col('big', t('BIGINT')),
  col('f', t('FLOAT')),
  col('d', t('DOUBLE')),
  col('dec', t('DECIMAL', { precision: 38, scale: 10 })),
  col('dsmall', t('DECIMAL', { precision: 9, scale: 2 })),
  col('s', t('STRING')),
  col('vc', t('VARCHAR', { length: 10 })),
  col('bin', t('BINARY')),
  col('dt', t('DATE')),
  col('ts', t('TIMESTAMP', { precision: 6 })),
  col('ts3', t('TIMESTAMP', { precision: 3 })),
  col('ltz', t('TIMESTAMP_LTZ', { precision: 6 })),
  col('arr', t('ARRAY', { element: t('INT') })),
  col('m', t('MAP', { key: t('STRING', {}, false), value: t('BIGINT') })),
  col(
    'nested',
    t('ROW', {
      fields: [
        { name: 'name', type: t('STRING') },
        {
          name: 'items',
          type: t('ARRAY', {
            element: t('MAP', { key: t('STRING', {}, false), value: t('ARRAY', { element: t('DOUBLE') }) }),
          }),
        },
      ],
    }),
  ),
  col('j', t('JSON')),
  col('day', t('DATE')),
  col('server', t('INT')),
];

export const WIDE_PARTITIONED_BY = ['day', 'server'];

const HOSTILE = 'a\u0001b\u0002c\u0003d\ne\\f\\Ng\rh';

export function wideRows(): Row[] {
  return [
    {
      id: 1,
      b: true,
      ti: -128,
      si: 32767,
      i: -2147483648,
      big: 9223372036854775807n,
      f: 1.5,
      d: 0.1,
      dec: 123456789012345678901234567890n, // 12345678901234567890.1234567890
      dsmall: -1234567n, // -12345.67
      s: 'héllo 世界 🎮',
      vc: 'short',
      bin: new Uint8Array([0, 1, 2, 255, 10, 92]),
      dt: 20_417, // 2025-11-25
      ts: 1_764_000_000_123_456,
      ts3: 1_764_000_000_123_000,
      ltz: 1_764_000_000_654_321,
      arr: [1, null, 3],
      m: new Map<string, bigint | null>([
        ['gold', 9007199254740993n],
        ['none', null],
      ]),
      nested: {
        name: 'ünï',
        items: [new Map([['xs', [1.25, null, -2.5]]]), new Map([['empty', []]]), null],
      },
      j: '{"k":[1,2,{"z":null}],"s":"x\\ny"}',
      day: 20_417,
      server: 7,
    },
    {
      id: 2,
      b: null,
      ti: null,
      si: null,
      i: null,
      big: null,
      f: null,
      d: null,
      dec: null,
      dsmall: null,
      s: null,
      vc: null,
      bin: null,
      dt: null,
      ts: null,
      ts3: null,
      ltz: null,
      arr: null,
      m: null,
      nested: null,
      j: null,
      day: null,
      server: null,
    },
    {
      id: 3,
      b: false,
      ti: 127,
      si: -32768,
      i: 0,
      big: -9223372036854775808n,
      f: -0.25,
      d: -1e300,
      dec: -1n, // -0.0000000001
      dsmall: 0n,
      s: HOSTILE,
      vc: '',
      bin: new Uint8Array([]),
      dt: -1, // 1969-12-31
      ts: -1, // 1969-12-31 23:59:59.999999
      ts3: 0,
      ltz: 0,
      arr: [],
      m: new Map(),
      nested: { name: '\\N', items: [] },
      j: '"\\\\N"',
      day: 20_418,
      server: 7,
    },
    {
      id: 4,
      b: true,
      ti: 0,
      si: 0,
      i: 1,
      big: 0n,
      f: 0,
      d: 2.5,
      dec: 99999999999999999999999999999999999999n,
      dsmall: 99999n,
      s: '',
      vc: HOSTILE.slice(0, 6),
      bin: new Uint8Array([1]),
      dt: 0,
      ts: 0,
      ts3: 1000,
      ltz: -1_000_000,
      arr: [null, 5],
      m: new Map([[HOSTILE, 1n]]),
      nested: { name: null, items: [new Map([['k', null]])] },
      j: '[]',
      day: 20_417,
      server: 8,
    },
  ];
}
