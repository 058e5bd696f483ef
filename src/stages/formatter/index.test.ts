import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StageError } from '../../core/errors.ts';
import type { Column, LogicalType } from '../../core/types.ts';
import { compileCaster, compileFormatter } from './index.ts';

const t = (kind: string, extra: Record<string, unknown> = {}, nullable = true) =>
  ({ kind, nullable, ...extra }) as LogicalType;
const col = (name: string, type: LogicalType, more: Partial<Column> = {}): Column => ({
  name,
  type,
  onError: 'error',
  ...more,
});

function castError(fn: () => unknown, code = 'CAST'): StageError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StageError, `expected StageError, got ${e}`);
    assert.equal(e.code, code);
    return e;
  }
  assert.fail('expected a StageError');
}

test('integers: exact, range-checked, never truncated', () => {
  const int = compileCaster(t('INT'));
  assert.equal(int('12.0'), 12);
  assert.equal(int(' -7 '), -7);
  assert.equal(int(12), 12);
  assert.equal(int(3n), 3);
  assert.equal(int('1e3'), 1000);
  assert.match(castError(() => int('12.5')).message, /"12.5" is not an INT \(it has a fractional part\)/);
  assert.match(castError(() => int(1.5)).message, /fractional/);
  assert.match(castError(() => int('2147483648')).message, /out of range for INT/);
  assert.equal(int('2147483647'), 2147483647);
  const tiny = compileCaster(t('TINYINT'));
  assert.equal(tiny(-128), -128);
  castError(() => tiny(128));
  castError(() => compileCaster(t('SMALLINT'))('32768'));
  castError(() => int(true));
  castError(() => int('0x10'));
});

test('BIGINT is exact from bigint, number and string', () => {
  const big = compileCaster(t('BIGINT'));
  assert.equal(big('9223372036854775807'), 9223372036854775807n);
  assert.equal(big(9007199254740993n), 9007199254740993n);
  assert.equal(big(42), 42n);
  assert.equal(big('-9223372036854775808'), -9223372036854775808n);
  castError(() => big('9223372036854775808'));
  castError(() => big(1e20));
  castError(() => big('abc'));
});

test('booleans from true/false/1/0 in any form', () => {
  const b = compileCaster(t('BOOLEAN'));
  assert.deepEqual(
    [b(true), b('TRUE'), b('1'), b(1), b(0), b('false'), b(0n)],
    [true, true, true, true, false, false, false],
  );
  castError(() => b('yes'));
  castError(() => b(2));
});

test('FLOAT/DOUBLE from numbers and numeric text', () => {
  const d = compileCaster(t('DOUBLE'));
  assert.equal(d('1.5e3'), 1500);
  assert.equal(d(' .25 '), 0.25);
  assert.ok(Number.isNaN(d('NaN') as number));
  castError(() => d('1,5'));
  castError(() => d('0x1F'));
  castError(() => compileCaster(t('FLOAT'))(1e39));
});

test('DECIMAL is exact and rounds HALF_UP to the scale', () => {
  const dec = compileCaster(t('DECIMAL', { precision: 10, scale: 2 }));
  assert.equal(dec('12.345'), 1235n);
  assert.equal(dec('-12.345'), -1235n);
  assert.equal(dec('12.344'), 1234n);
  assert.equal(dec(0.1), 10n);
  assert.equal(dec(1.005), 101n); // the shortest text "1.005", not the float 1.00499999…
  assert.equal(dec('1e2'), 10000n);
  assert.equal(dec(7n), 700n);
  assert.equal(dec('99999999.994'), 9999999999n);
  assert.match(castError(() => dec('99999999.995')).message, /does not fit DECIMAL\(10,2\)/);
  assert.match(castError(() => dec('12x')).message, /^"12x" is not a DECIMAL\(10,2\)$/);
  castError(() => dec(Number.POSITIVE_INFINITY));
  const wide = compileCaster(t('DECIMAL', { precision: 38, scale: 10 }));
  assert.equal(wide('1234567890123456789012345678.0123456789'), 12345678901234567890123456780123456789n);
});

test('STRING takes anything; objects become bigint-safe JSON text', () => {
  const s = compileCaster(t('STRING'));
  assert.equal(s(12), '12');
  assert.equal(s(false), 'false');
  assert.equal(s({ a: [1, 'x'], big: 12345678901234567890n }), '{"a":[1,"x"],"big":12345678901234567890}');
  assert.equal(s(''), '');
  const v = compileCaster(t('VARCHAR', { length: 3 }));
  assert.equal(v('😀😀😀'), '😀😀😀'); // 3 characters, 6 UTF-16 units
  assert.match(castError(() => v('abcd')).message, /longer than VARCHAR\(3\) \(4 characters\)/);
});

test('BINARY from base64 text', () => {
  const b = compileCaster(t('BINARY'));
  assert.deepEqual(b('AAEC/w=='), new Uint8Array([0, 1, 2, 255]));
  assert.deepEqual(b('AAEC_w'), new Uint8Array([0, 1, 2, 255]));
  castError(() => b('not base64!'));
});

test('JSON keeps any value as JSON text', () => {
  const j = compileCaster(t('JSON'));
  assert.equal(j({ x: [1, null, { y: 9007199254740993n }] }), '{"x":[1,null,{"y":9007199254740993}]}');
  assert.equal(j('text'), '"text"');
  assert.equal(j(3), '3');
});

test('DATE and TIMESTAMP from ISO-8601 text', () => {
  const date = compileCaster(t('DATE'));
  assert.equal(date('1970-01-02'), 1);
  assert.equal(date('2024-02-29'), 19782);
  assert.equal(date('2026-11-25 23:59:59'), date('2026-11-25'));
  assert.match(castError(() => date('2023-02-29')).message, /is not a DATE/);
  const ts = compileCaster(t('TIMESTAMP', { precision: 6 }));
  assert.equal(ts('1970-01-01 00:00:01.5'), 1_500_000);
  assert.equal(ts('1970-01-01T00:00:01.123456789'), 1_123_456);
  assert.equal(ts('1970-01-01T08:00:00+08:00'), 0); // an instant shown as a UTC wall clock
  assert.equal(ts('1969-12-31 23:59:59'), -1_000_000);
  castError(() => ts('1970-01-01 24:00:00'));
  castError(() => ts('yesterday'));
  const ts3 = compileCaster(t('TIMESTAMP', { precision: 3 }));
  assert.equal(ts3('1970-01-01 00:00:00.123456'), 123_000);
  assert.equal(ts3('1969-12-31 23:59:59.999999'), -1000);
});

test('epoch numbers: seconds below 1e11, milliseconds from 1e11', () => {
  const ts = compileCaster(t('TIMESTAMP_LTZ', { precision: 6 }));
  assert.equal(ts(1_764_057_601), 1_764_057_601_000_000);
  assert.equal(ts(1_764_057_601_123), 1_764_057_601_123_000);
  assert.equal(ts('1764057601'), 1_764_057_601_000_000);
  assert.equal(ts(1.5), 1_500_000);
  castError(() => ts(1e20));
  const date = compileCaster(t('DATE'));
  assert.equal(date(86_400), 1);
});

test('time zones: TIMESTAMP_LTZ reads zone-less text in the zone; TIMESTAMP shows instants in it', () => {
  const ltz = compileCaster(t('TIMESTAMP_LTZ', { precision: 6 }), { timezone: 'Asia/Shanghai' });
  assert.equal(ltz('1970-01-01 08:00:00'), 0);
  assert.equal(ltz('1970-01-01T00:00:00Z'), 0);
  const ny = compileCaster(t('TIMESTAMP_LTZ', { precision: 6 }), { timezone: 'America/New_York' });
  // 2026-03-08 02:30 does not exist in New York (DST gap); 03:30 EDT is 07:30 UTC.
  assert.equal(ny('2026-07-01 12:00:00'), Date.UTC(2026, 6, 1, 16) * 1000);
  assert.equal(ny('2026-01-01 12:00:00'), Date.UTC(2026, 0, 1, 17) * 1000);
  const wall = compileCaster(t('TIMESTAMP', { precision: 6 }), { timezone: 'Asia/Shanghai' });
  assert.equal(wall(0), 8 * 3600 * 1_000_000);
  assert.equal(wall('1970-01-01 00:00:00'), 0);
  assert.throws(
    () => compileCaster(t('TIMESTAMP', { precision: 6 }), { timezone: 'Mars/Olympus' }),
    /unknown time zone/,
  );
});

test('custom formats are tried in order', () => {
  const ts = compileCaster(t('TIMESTAMP', { precision: 6 }), {
    formats: ['dd/MM/yyyy HH:mm:ss', 'yyyyMMdd'],
  });
  assert.equal(ts('02/01/1970 00:00:01'), 86_401_000_000);
  assert.equal(ts('19700103'), 2 * 86_400_000_000);
  castError(() => ts('1970-01-01 00:00:00'));
});

test('ARRAY, MAP and ROW cast recursively and name the failing path', () => {
  const arr = compileCaster(t('ARRAY', { element: t('INT') }));
  assert.deepEqual(arr(['1', 2, null]), [1, 2, null]);
  const e = castError(() => arr([1, 'x']));
  assert.equal(e.field, '[1]');
  castError(() => arr({ 0: 1 }));
  const map = compileCaster(t('MAP', { key: t('INT', {}, false), value: t('DOUBLE') }));
  assert.deepEqual(
    map({ '1': '2.5', '2': null }),
    new Map<number, number | null>([
      [1, 2.5],
      [2, null],
    ]),
  );
  castError(() => map({ a: 1 }));
  const row = compileCaster(
    t('ROW', {
      fields: [
        { name: 'id', type: t('BIGINT', {}, false) },
        { name: 'tags', type: t('ARRAY', { element: t('STRING') }) },
        { name: 'note', type: t('STRING') },
      ],
    }),
  );
  assert.deepEqual(row({ id: '7', tags: ['a', 1], extra: true }), { id: 7n, tags: ['a', '1'], note: null });
  const nn = castError(() => row({ tags: [] }), 'NOT_NULL');
  assert.equal(nn.field, '.id');
});

test('formatter: columns, dotted from, defaults, NOT NULL and on_error null', () => {
  const format = compileFormatter([
    col('role_id', t('BIGINT', {}, false)),
    col('level', t('INT'), { from: 'role.level' }),
    col('server', t('STRING'), { default: 'unknown' }),
    col('amount', t('DECIMAL', { precision: 10, scale: 2 })),
    col('score', t('INT'), { onError: 'null' }),
    col('day', t('DATE'), { default: '2026-01-01' }),
    col('dotted', t('INT'), { from: 'a.b' }),
  ]);
  assert.deepEqual(
    format({ role_id: 1, role: { level: '3' }, amount: '9.999', score: 'oops', 'a.b': 5, extra: 1 }),
    { role_id: 1n, level: 3, server: 'unknown', amount: 1000n, score: null, day: 20454, dotted: 5 },
  );
  assert.equal(format({ role_id: '2', score: '' }).score, null);

  const missing = castError(() => format({ amount: 1 }), 'NOT_NULL');
  assert.equal(missing.field, 'role_id');
  assert.match(missing.message, /column role_id is NOT NULL/);

  const bad = castError(() => format({ role_id: 1, amount: '12x' }));
  assert.equal(bad.field, 'amount');
  assert.equal(bad.message, 'column amount: "12x" is not a DECIMAL(10,2)');

  const nested = compileFormatter([col('items', t('ARRAY', { element: t('INT') }))]);
  const e = castError(() => nested({ items: [1, 2, 'three'] }));
  assert.equal(e.field, 'items');
  assert.equal(e.message, 'column items[2]: "three" is not an INT');
});

test('formatter: bad column options fail at compile time with the column name', () => {
  assert.throws(
    () => compileFormatter([col('ts', t('TIMESTAMP_LTZ', { precision: 3 }), { timezone: 'Nowhere/City' })]),
    /column ts: unknown time zone "Nowhere\/City"/,
  );
  assert.throws(() => compileFormatter([col('n', t('INT'), { default: 'x' })]), /column n: the default/);
});
