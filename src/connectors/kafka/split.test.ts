import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePositions, parseSplit, splitName } from './split.ts';

test('split names round-trip, topics may contain dots and dashes', () => {
  assert.deepEqual(parseSplit(splitName('game.logs-v2', 11)), { topic: 'game.logs-v2', partition: 11 });
});

test('a malformed split is a plain error naming the expected form', () => {
  for (const bad of ['nopartition', '/3', 'topic/', 'topic/-1', 'topic/1.5']) {
    assert.throws(() => parseSplit(bad), /is not a Kafka split; expected topic\/partition/, bad);
  }
});

test('positions must be non-negative integer offsets', () => {
  assert.deepEqual(parsePositions({ 't/0': 5, 't/2': 0 }), [
    { topic: 't', partition: 0, offset: 5 },
    { topic: 't', partition: 2, offset: 0 },
  ]);
  assert.throws(() => parsePositions({ 't/0': -1 }), /position of t\/0 must be a non-negative integer/);
  assert.throws(() => parsePositions({ 't/0': 1.5 }), /position of t\/0/);
});
