import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogicalType } from '../core/types.ts';
import { compileExpr, compileTimeFormat } from './index.ts';
import { civilFromDays, daysFromCivil, parseTimestamp } from './time.ts';

const micros = (iso: string) => Date.parse(iso) * 1000;

test('calendar conversions round-trip, including leap days and dates before 1970', () => {
  for (const [y, m, d] of [
    [1970, 1, 1],
    [2000, 2, 29],
    [1969, 12, 31],
    [1900, 3, 1],
    [2400, 12, 31],
  ] as const) {
    const days = daysFromCivil(y, m, d);
    assert.equal(days, Date.UTC(y, m - 1, d) / 86_400_000);
    assert.deepEqual(civilFromDays(days), { y, m, d });
  }
});

test('compileTimeFormat: format and parse in UTC', () => {
  const f = compileTimeFormat('yyyy-MM-dd HH:mm:ss.SSS');
  const t = micros('2026-01-02T03:04:05.678Z');
  assert.equal(f.format(t), '2026-01-02 03:04:05.678');
  assert.equal(f.parse('2026-01-02 03:04:05.678'), t);
  assert.equal(f.parse('2026-02-30 00:00:00.000'), null);
  assert.equal(f.parse('not a date'), null);
  const compact = compileTimeFormat('yyyyMMddHHmmss');
  assert.equal(compact.parse('20260102030405'), micros('2026-01-02T03:04:05Z'));
  assert.equal(compact.format(micros('2026-01-02T03:04:05Z')), '20260102030405');
});

test('compileTimeFormat: quoted literals, month names, 12-hour clock, offsets', () => {
  const iso = compileTimeFormat("yyyy-MM-dd'T'HH:mm:ssXXX");
  assert.equal(iso.parse('2026-01-02T11:04:05+08:00'), micros('2026-01-02T03:04:05Z'));
  assert.equal(iso.format(micros('2026-01-02T03:04:05Z')), '2026-01-02T03:04:05Z');
  const nginx = compileTimeFormat('dd/MMM/yyyy:HH:mm:ss Z');
  assert.equal(nginx.parse('10/Oct/2025:13:55:36 -0700'), micros('2025-10-10T20:55:36Z'));
  const us = compileTimeFormat("EEE, MMMM d ''yy h:mm a");
  assert.equal(us.format(micros('2026-07-04T15:30:00Z')), "Sat, July 4 '26 3:30 PM");
  assert.equal(us.parse("Sat, July 4 '26 3:30 PM"), micros('2026-07-04T15:30:00Z'));
  assert.throws(() => compileTimeFormat("yyyy-MM-dd'T"), /unterminated quote/);
});

test('compileTimeFormat: time zones, including daylight saving', () => {
  const sh = compileTimeFormat('yyyy-MM-dd HH:mm:ss', 'Asia/Shanghai');
  assert.equal(sh.format(micros('2026-01-01T16:00:00Z')), '2026-01-02 00:00:00');
  assert.equal(sh.parse('2026-01-02 00:00:00'), micros('2026-01-01T16:00:00Z'));
  const ny = compileTimeFormat('yyyy-MM-dd HH:mm Z', 'America/New_York');
  assert.equal(ny.format(micros('2026-01-15T12:00:00Z')), '2026-01-15 07:00 -0500');
  assert.equal(ny.format(micros('2026-07-15T12:00:00Z')), '2026-07-15 08:00 -0400');
  const nyParse = compileTimeFormat('yyyy-MM-dd HH:mm', 'America/New_York');
  assert.equal(nyParse.parse('2026-07-15 08:00'), micros('2026-07-15T12:00:00Z'));
  const fixed = compileTimeFormat('HH:mm', '+05:30');
  assert.equal(fixed.format(micros('2026-01-01T00:00:00Z')), '05:30');
  assert.throws(() => compileTimeFormat('HH', 'Nowhere/City'), /unknown time zone/);
});

test('parseTimestamp accepts the usual text forms', () => {
  assert.equal(parseTimestamp('2026-01-02'), micros('2026-01-02T00:00:00Z'));
  assert.equal(parseTimestamp('2026-01-02T03:04'), micros('2026-01-02T03:04:00Z'));
  assert.equal(parseTimestamp('2026-01-02 03:04:05.123456'), micros('2026-01-02T03:04:05.123Z') + 456);
  assert.equal(parseTimestamp('2026-01-02 03:04:05+08:00'), micros('2026-01-01T19:04:05Z'));
  assert.equal(parseTimestamp('2026-01-02 25:00:00'), null);
});

test('date functions honour the expression time zone', () => {
  const at = (text: string, timezone?: string, rec: Record<string, unknown> = {}) =>
    compileExpr(text, { dynamic: true, timezone }).evaluate(rec);
  const epoch = micros('2026-01-01T16:30:00Z') / 1e6;
  assert.equal(at('from_unixtime(e)', undefined, { e: epoch }), '2026-01-01 16:30:00');
  assert.equal(at('from_unixtime(e)', 'Asia/Shanghai', { e: epoch }), '2026-01-02 00:30:00');
  assert.equal(at("from_unixtime(e, 'HH:mm XXX')", 'America/Los_Angeles', { e: epoch }), '08:30 -08:00');
  assert.equal(at("unix_timestamp('2026-01-02 00:30:00')", 'Asia/Shanghai'), epoch);
  assert.equal(at("unix_timestamp('02/01/2026', 'dd/MM/yyyy')"), micros('2026-01-02T00:00:00Z') / 1e6);
  // TIMESTAMP_LTZ values are shown and split in the session zone
  assert.equal(at('to_timestamp_ltz(e, 0)', 'Asia/Shanghai', { e: epoch }), '2026-01-02 00:30:00');
  assert.equal(at('hour(to_timestamp_ltz(e, 0))', 'Asia/Shanghai', { e: epoch }), 0);
  assert.equal(at('dayofmonth(to_timestamp_ltz(e * 1000, 3))', 'UTC', { e: epoch }), 1);
  assert.equal(at("convert_tz('2026-01-01 16:30:00', 'UTC', 'Asia/Tokyo')"), '2026-01-02 01:30:00');
  // TIMESTAMP (wall clock) is not shifted by the zone
  assert.equal(at("hour(to_timestamp('2026-01-01 16:30:00'))", 'Asia/Shanghai'), 16);
});

test('date functions: parsing with formats, arithmetic and differences', () => {
  const d = (text: string) => compileExpr(text, { dynamic: true }).evaluate({});
  assert.equal(d("to_timestamp('2026/03/04 10-11-12', 'yyyy/MM/dd HH-mm-ss')"), '2026-03-04 10:11:12');
  assert.equal(d("to_timestamp('garbage')"), null);
  assert.equal(d("to_date('04.03.2026', 'dd.MM.yyyy')"), '2026-03-04');
  assert.equal(d("timestampadd(YEAR, 1, DATE '2024-02-29')"), '2025-02-28 00:00:00');
  assert.equal(d("timestampadd(MINUTE, -90, TIMESTAMP '2026-01-01 00:00:00')"), '2025-12-31 22:30:00');
  assert.equal(
    d("timestampdiff(MONTH, TIMESTAMP '2026-01-31 00:00:00', TIMESTAMP '2026-03-30 00:00:00')"),
    1,
  );
  assert.equal(
    d("timestampdiff(HOUR, TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-02 06:59:00')"),
    30,
  );
  assert.equal(d("datediff(DATE '2026-01-01', DATE '2025-12-25')"), 7);
  assert.equal(d("dayofweek(DATE '2026-01-04')"), 1); // Sunday
  assert.equal(d("week(DATE '2026-01-01')"), 1);
  assert.equal(
    d("date_format(TIMESTAMP '2026-01-02 03:04:05.123456', 'yyyy-MM-dd HH:mm:ss.SSSSSS')"),
    '2026-01-02 03:04:05.123456',
  );
});

test('typed mode: TIMESTAMP_LTZ and DATE values', () => {
  const fields = new Map<string, LogicalType>([
    ['at', { kind: 'TIMESTAMP_LTZ', precision: 3, nullable: true }],
    ['day', { kind: 'DATE', nullable: true }],
  ]);
  const at = micros('2026-01-01T16:30:00Z');
  const e = compileExpr("date_format(at, 'yyyy-MM-dd HH:mm')", { fields, timezone: 'Asia/Shanghai' });
  assert.equal(e.evaluate({ at, day: 0 }), '2026-01-02 00:30');
  const c = compileExpr('CAST(at AS DATE)', { fields, timezone: 'Asia/Shanghai' });
  assert.equal(c.evaluate({ at }), daysFromCivil(2026, 1, 2));
  const now = compileExpr('now() > at', { fields });
  assert.equal(now.evaluate({ at }), true);
});

test('compileTimeFormat: a fraction has exactly the pattern width (.98 is not SSS)', () => {
  const f = compileTimeFormat('yyyy-MM-dd HH:mm:ss.SSS');
  assert.equal(f.parse('2026-01-02 03:04:05.980'), micros('2026-01-02T03:04:05.980Z'));
  // HealthApp writes `:98`-style milliseconds of two digits: neither .980 nor 98 ms, but no match.
  assert.equal(f.parse('2026-01-02 03:04:05.98'), null);
  assert.equal(f.parse('2026-01-02 03:04:05.9801'), null);
  const micro = compileTimeFormat('HH:mm:ss.SSSSSS');
  assert.equal(micro.parse('00:00:01.000001'), 1_000_001);
  assert.equal(micro.parse('00:00:01.001'), null);
});

test('compileTimeFormat: a date without a year takes the year that puts it at most a day ahead of the clock', () => {
  const at = (iso: string) => () => Date.parse(iso);
  const syslog = (now: string) => compileTimeFormat('MMM d HH:mm:ss', undefined, { now: at(now) });
  // Never 1970: this year's date when it is not ahead of the clock.
  assert.equal(syslog('2026-12-04T12:00:00Z').parse('Jul  1 09:00:00'), micros('2026-07-01T09:00:00Z'));
  // Read just after the new year, December's lines are last year's.
  assert.equal(syslog('2027-01-01T00:00:10Z').parse('Dec 31 23:59:59'), micros('2026-12-31T23:59:59Z'));
  // Written a few seconds ahead of a clock that has not reached the new year: next year's.
  assert.equal(syslog('2026-12-31T23:59:59Z').parse('Jan  1 00:00:05'), micros('2027-01-01T00:00:05Z'));
  // A day that exists in no nearby year is no match, not another day.
  assert.equal(syslog('2027-03-01T00:00:00Z').parse('Feb 29 10:00:00'), null);
  // In the format's zone: 00:30 on Jan 1 in Shanghai is still Dec 31 in UTC.
  const sh = compileTimeFormat('MM-dd HH:mm', 'Asia/Shanghai', { now: at('2026-12-31T16:30:00Z') });
  assert.equal(sh.parse('01-01 00:30'), micros('2026-12-31T16:30:00Z'));
  // With a year in the pattern, the clock plays no part.
  const full = compileTimeFormat('yyyy MMM d', undefined, { now: at('2026-12-04T00:00:00Z') });
  assert.equal(full.parse('1999 Jul 1'), micros('1999-07-01T00:00:00Z'));
});
