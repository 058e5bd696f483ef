import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addCounters, type CounterDelta, emptyCounters, expireDated, sumCounters } from './counters.ts';

const delta = (n: number): CounterDelta => ({
  tables: { t: { recordsIn: n, recordsOut: n - 1, recordsDropped: 1, recordsErrored: 0, user: { big: 2 } } },
  sinks: { s: { recordsIn: n - 1, recordsOut: n - 2, recordsDropped: 1 } },
  unrouted: 3,
});
const day = (d: string) => Date.parse(`${d}T12:00:00Z`);

test('batches add up, cumulatively and per day', () => {
  const c = emptyCounters();
  addCounters(c, delta(10), 13, day('2026-11-24'));
  addCounters(c, delta(5), 8, day('2026-11-25'));
  assert.equal(c.recordsRead, 21);
  assert.deepEqual(c.tables.t, {
    recordsIn: 15,
    recordsOut: 13,
    recordsDropped: 2,
    recordsErrored: 0,
    user: { big: 4 },
  });
  assert.deepEqual(c.sinks.s, { recordsIn: 13, recordsOut: 11, recordsDropped: 2 });
  assert.equal(c.unrouted, 6);
  assert.deepEqual(Object.keys(c.dated).sort(), ['2026-11-24', '2026-11-25']);
  assert.equal(c.dated['2026-11-25'].tables.t.recordsIn, 5);
});

test('dated counters older than the TTL expire; cumulative ones stay', () => {
  const c = emptyCounters();
  for (const d of ['2026-11-01', '2026-11-20', '2026-11-25']) addCounters(c, delta(4), 4, day(d));
  expireDated(c, 7, day('2026-11-25'));
  assert.deepEqual(Object.keys(c.dated).sort(), ['2026-11-20', '2026-11-25']);
  assert.equal(c.tables.t.recordsIn, 12);
});

test('workers sum, day by day', () => {
  const a = emptyCounters();
  const b = emptyCounters();
  addCounters(a, delta(4), 4, day('2026-11-25'));
  addCounters(b, delta(6), 6, day('2026-11-25'));
  b.sourceErrors = 2;
  const total = sumCounters([a, b]);
  assert.equal(total.recordsRead, 10);
  assert.equal(total.sourceErrors, 2);
  assert.equal(total.tables.t.recordsIn, 10);
  assert.equal(total.dated['2026-11-25'].sinks.s.recordsOut, 6);
});
