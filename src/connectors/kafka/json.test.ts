import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StageError } from '../../core/errors.ts';
import type { Column, LogicalType } from '../../core/types.ts';
import { encodeJsonRow, keyColumns } from './json.ts';

const t = (kind: string, extra: object = {}): LogicalType =>
  ({ kind, nullable: true, ...extra }) as LogicalType;
const col = (name: string, type: LogicalType): Column => ({ name, type, onError: 'error' });

test('scalars: BIGINT exact beyond 2^53, DECIMAL with its scale, non-finite doubles as strings', () => {
  const columns = [
    col('b', t('BIGINT')),
    col('neg', t('BIGINT')),
    col('d', t('DECIMAL', { precision: 10, scale: 2 })),
    col('small', t('DECIMAL', { precision: 10, scale: 4 })),
    col('whole', t('DECIMAL', { precision: 5, scale: 0 })),
    col('i', t('INT')),
    col('x', t('DOUBLE')),
    col('nan', t('DOUBLE')),
    col('inf', t('FLOAT')),
    col('ok', t('BOOLEAN')),
    col('s', t('STRING')),
    col('missing', t('STRING')),
  ];
  const text = encodeJsonRow(
    {
      b: 9007199254740993n,
      neg: -9223372036854775808n,
      d: -12345n,
      small: 5n,
      whole: 42n,
      i: -7,
      x: 0.1,
      nan: Number.NaN,
      inf: Number.NEGATIVE_INFINITY,
      ok: false,
      s: 'line "1"\n中',
    },
    columns,
  );
  assert.equal(
    text,
    '{"b":9007199254740993,"neg":-9223372036854775808,"d":-123.45,"small":0.0005,"whole":42,"i":-7,' +
      '"x":0.1,"nan":"NaN","inf":"-Infinity","ok":false,"s":"line \\"1\\"\\n中","missing":null}',
  );
  assert.deepEqual(
    Object.keys(JSON.parse(text)),
    columns.map((c) => c.name),
    'valid JSON, columns in order',
  );
});

test('DATE and TIMESTAMP use the Flink SQL format; TIMESTAMP_LTZ is UTC with Z', () => {
  const columns = [
    col('day', t('DATE')),
    col('ts0', t('TIMESTAMP', { precision: 0 })),
    col('ts3', t('TIMESTAMP', { precision: 3 })),
    col('ts6', t('TIMESTAMP', { precision: 6 })),
    col('ts9', t('TIMESTAMP', { precision: 9 })),
    col('ltz', t('TIMESTAMP_LTZ', { precision: 3 })),
    col('old', t('TIMESTAMP', { precision: 3 })),
  ];
  // 2026-11-25 10:00:01.123456 as microseconds since the epoch.
  const micros = Date.UTC(2026, 10, 25, 10, 0, 1, 123) * 1000 + 456;
  const row = {
    day: Date.UTC(2026, 10, 25) / 86_400_000,
    ts0: micros,
    ts3: micros,
    ts6: micros,
    ts9: micros,
    ltz: micros,
    old: Date.UTC(1969, 11, 31, 23, 59, 59, 999) * 1000,
  };
  assert.deepEqual(JSON.parse(encodeJsonRow(row, columns)), {
    day: '2026-11-25',
    ts0: '2026-11-25 10:00:01',
    ts3: '2026-11-25 10:00:01.123',
    ts6: '2026-11-25 10:00:01.123456',
    ts9: '2026-11-25 10:00:01.123456000',
    ltz: '2026-11-25 10:00:01.123Z',
    old: '1969-12-31 23:59:59.999',
  });
});

test('dates and timestamps across eras agree with the JavaScript calendar', () => {
  const columns = [col('d', t('DATE')), col('ts', t('TIMESTAMP', { precision: 3 }))];
  const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
  // DATE: every 997th day from 0001-01-01 to 9999-12-31.
  const days = [dayOf('0001-01-01'), -1, 0, 1, dayOf('9999-12-31')];
  for (let d = dayOf('0001-01-01'); d < dayOf('9999-12-31'); d += 997) days.push(d);
  for (const day of days) {
    const iso = new Date(day * 86_400_000).toISOString();
    assert.equal(JSON.parse(encodeJsonRow({ d: day }, columns)).d, iso.slice(0, 10), `day ${day}`);
  }
  assert.equal(JSON.parse(encodeJsonRow({ d: dayOf('9999-12-31') + 1 }, columns)).d, '+10000-01-01');
  // TIMESTAMP microseconds are exact within ±2^53 µs (years 1685..2255).
  for (let day = dayOf('1686-01-01'); day < dayOf('2255-01-01'); day += 397) {
    const ms = day * 86_400_000 + 45_296_789; // 12:34:56.789
    const iso = new Date(ms).toISOString();
    assert.equal(
      JSON.parse(encodeJsonRow({ ts: ms * 1000 }, columns)).ts,
      `${iso.slice(0, 10)} ${iso.slice(11, 23)}`,
    );
  }
});

test('nested ARRAY, MAP and ROW; BINARY as base64; JSON column as a string', () => {
  const type = t('ROW', {
    fields: [
      { name: 'tags', type: t('ARRAY', { element: t('STRING') }) },
      { name: 'counts', type: t('MAP', { key: t('STRING'), value: t('BIGINT') }) },
      { name: 'byId', type: t('MAP', { key: t('INT'), value: t('DATE') }) },
    ],
  });
  const columns = [col('r', type), col('raw', t('BINARY')), col('extra', t('JSON'))];
  const text = encodeJsonRow(
    {
      r: {
        tags: ['a', null, 'c'],
        counts: new Map([['gold', 12345678901234567890n]]),
        byId: new Map([[7, 0]]),
      },
      raw: new Uint8Array([0, 255, 16]),
      extra: '{"k":[1,2]}',
    },
    columns,
  );
  assert.equal(
    text,
    '{"r":{"tags":["a",null,"c"],"counts":{"gold":12345678901234567890},"byId":{"7":"1970-01-01"}},' +
      '"raw":"AP8Q","extra":"{\\"k\\":[1,2]}"}',
  );
});

test('a value in the wrong runtime form is a SINK StageError naming the field', () => {
  const columns = [col('r', t('ROW', { fields: [{ name: 'n', type: t('BIGINT') }] }))];
  assert.throws(
    () => encodeJsonRow({ r: { n: 'twelve' } }, columns),
    (error: unknown) =>
      error instanceof StageError &&
      error.code === 'SINK' &&
      error.field === 'r.n' &&
      /r\.n: cannot write the string "twelve" as JSON for type BIGINT/.test(error.message),
  );
  assert.throws(() => encodeJsonRow({ r: 1.5 }, [col('r', t('INT'))]), /number 1.5 as JSON for type INT/);
});

test('key columns follow the configured order; an unknown one is named', () => {
  const columns = [col('a', t('INT')), col('b', t('STRING'))];
  const key = keyColumns(columns, ['b', 'a']);
  assert.equal(encodeJsonRow({ a: 1, b: 'x' }, key), '{"b":"x","a":1}');
  assert.throws(
    () => keyColumns(columns, ['c']),
    /key column "c" is not a column of the table \(columns: a, b\)/,
  );
});
