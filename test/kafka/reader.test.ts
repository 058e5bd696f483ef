// Kafka source reader and admin against a real broker: positions, seek, commit and resume.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTopic, deleteTopic, topicOffsets } from '../../src/connectors/kafka/admin.ts';
import { createKafkaSourceReader } from '../../src/connectors/kafka/consumer.ts';
import { createKafkaSink } from '../../src/connectors/kafka/producer.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { bySplitAndOffset, closeAfter, pollFor, pollRecords, uniqueName } from './helpers.ts';

let broker: TestBroker;
let brokers: string[];
before(async () => {
  broker = await ensureBroker();
  brokers = broker.brokers;
});
after(() => broker?.stop());

const fast = { heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000 };

test('admin: create a 3-partition topic, read its offsets, delete it', async (t) => {
  const topic = uniqueName('admin');
  assert.equal(await createTopic(brokers, topic, 3), true);
  assert.equal(await createTopic(brokers, topic, 3), false, 'creating an existing topic is a no-op');
  const sink = closeAfter(t, createKafkaSink({ brokers, topic, compression: 'none' }));
  await sink.send([
    { key: 'a', value: '1' },
    { key: 'a', value: '2' },
  ]);
  await sink.close();
  const offsets = await topicOffsets(brokers, topic);
  assert.deepEqual(Object.keys(offsets).sort(), [`${topic}/0`, `${topic}/1`, `${topic}/2`]);
  // Same key → same partition: two messages in one partition, none elsewhere.
  assert.deepEqual(
    Object.values(offsets)
      .map((o) => o.latest - o.earliest)
      .sort(),
    [0, 0, 2],
  );
  assert.equal(await deleteTopic(brokers, topic), true);
  assert.equal(await deleteTopic(brokers, topic), false);
  await assert.rejects(createTopic(brokers, uniqueName('bad'), 0), /at least 1 partition/);
});

test('reader: mixed messages from 3 partitions, exact positions, commit and resume', async (t) => {
  const topic = uniqueName('reader');
  const group = uniqueName('group');
  await createTopic(brokers, topic, 3);
  const sink = closeAfter(t, createKafkaSink({ brokers, topic, compression: 'gzip' }));
  const invalidUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
  const messages = [
    { key: 'k0', value: '{"event":"login","role_id":1}' },
    { key: 'k1', value: '[2026-11-25 10:00:01][LoginRole],{"role_id":2}', headers: { source: 'game-1' } },
    { key: 'k2', value: invalidUtf8 },
    { key: 'k0', value: '' },
    { value: 'no key, 中文 text' },
  ];
  for (let i = 0; i < 6; i++)
    await sink.send(messages.map((m) => ({ ...m, key: m.key && `${m.key}-${i % 3}` })));
  await sink.close();
  const total = messages.length * 6;

  const reader = closeAfter(
    t,
    createKafkaSourceReader({ brokers, topic, group, start: 'earliest', ...fast }),
  );
  const first = await pollRecords(reader, 12);
  assert.equal(first.length, 12);
  assert.deepEqual(reader.assigned().sort(), [`${topic}/0`, `${topic}/1`, `${topic}/2`]);
  const rest = await pollRecords(reader, total - 12);
  const all = [...first, ...rest].sort(bySplitAndOffset);
  assert.equal(all.length, total);
  // Every offset of every split exactly once, from 0 up.
  const bySplit = Map.groupBy(all, (r) => r.position.split);
  for (const [, records] of bySplit) {
    assert.deepEqual(
      records.map((r) => r.position.offset),
      records.map((_, i) => i),
    );
  }
  const binary = all.find((r) => r.bytes.length === 4 && r.bytes[1] === 0xff)!;
  assert.deepEqual(Buffer.from(binary.bytes), invalidUtf8, 'bytes are kept exactly');
  assert.equal(binary.text, '{\uFFFD\uFFFD}', 'invalid UTF-8 decodes to U+FFFD');
  assert.equal(all.filter((r) => r.text === 'no key, 中文 text').length, 6);
  assert.equal(all.filter((r) => r.bytes.length === 0 && r.text === '').length, 6);
  assert.ok(
    all.every((r) => typeof r.timestamp === 'number' && Math.abs(r.timestamp - Date.now()) < 120_000),
  );

  const ends = await topicOffsets(brokers, topic);
  const endPositions = Object.fromEntries(Object.entries(ends).map(([split, o]) => [split, o.latest]));
  assert.deepEqual(reader.positions(), endPositions, 'positions are the next offsets to read');

  // Commit a mid-stream position for one split and the end for the others, then resume in the same group.
  const [split0, split1, split2] = Object.keys(endPositions).sort() as [string, string, string];
  const committed = { [split0]: 1, [split1]: endPositions[split1]!, [split2]: endPositions[split2]! };
  await reader.commit(committed);
  await reader.close();

  const resumed = closeAfter(t, createKafkaSourceReader({ brokers, topic, group, start: 'latest', ...fast }));
  const again = await pollRecords(resumed, endPositions[split0]! - 1);
  assert.deepEqual(
    again.map((r) => `${r.position.split}@${r.position.offset}`),
    bySplit
      .get(split0)!
      .slice(1)
      .map((r) => `${r.position.split}@${r.position.offset}`),
    'resumes exactly after the committed offset',
  );
  assert.deepEqual(
    again.map((r) => r.text),
    bySplit
      .get(split0)!
      .slice(1)
      .map((r) => r.text),
  );
  assert.deepEqual(await pollFor(resumed, 700), [], 'nothing after the end');

  // seek() rewinds an owned split to a checkpointed position.
  resumed.seek({ [split2]: endPositions[split2]! - 2 });
  const rewound = await pollRecords(resumed, 2);
  assert.deepEqual(
    rewound.map((r) => r.position),
    [
      { split: split2, offset: endPositions[split2]! - 2 },
      { split: split2, offset: endPositions[split2]! - 1 },
    ],
  );
  await resumed.close();
});

test('reader: seek before the first poll overrides committed offsets; start latest skips history', async (t) => {
  const topic = uniqueName('seek');
  const group = uniqueName('group');
  await createTopic(brokers, topic, 1);
  const sink = closeAfter(t, createKafkaSink({ brokers, topic, compression: 'lz4' }));
  await sink.send(Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })));

  const fromLatest = closeAfter(
    t,
    createKafkaSourceReader({ brokers, topic, group, start: 'latest', ...fast }),
  );
  assert.deepEqual(await pollFor(fromLatest, 700), [], 'latest: history is skipped');
  await sink.send([{ value: 'm10' }]);
  assert.deepEqual(
    (await pollRecords(fromLatest, 1)).map((r) => r.text),
    ['m10'],
  );
  await fromLatest.commit(fromLatest.positions());
  await fromLatest.close();

  const seeking = closeAfter(t, createKafkaSourceReader({ brokers, topic, group, ...fast }));
  const assignedSplits: string[][] = [];
  seeking.onAssign((splits) => {
    assignedSplits.push(splits);
  });
  seeking.seek({ [`${topic}/0`]: 7 });
  assert.deepEqual(
    (await pollRecords(seeking, 4)).map((r) => r.text),
    ['m7', 'm8', 'm9', 'm10'],
  );
  assert.deepEqual(assignedSplits, [[`${topic}/0`]]);
  await seeking.close();
  await sink.close();
  assert.throws(() => seeking.seek({ nonsense: 1 }), /not a Kafka split/);
  await assert.rejects(seeking.poll(1, 10), /is closed/);
});

test('reader: start at a timestamp', async (t) => {
  const topic = uniqueName('ts');
  await createTopic(brokers, topic, 1);
  const sink = closeAfter(t, createKafkaSink({ brokers, topic, compression: 'none' }));
  await sink.send([{ value: 'old' }]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const cut = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await sink.send([{ value: 'new' }]);
  await sink.close();
  const reader = closeAfter(
    t,
    createKafkaSourceReader({
      brokers,
      topic,
      group: uniqueName('group'),
      start: { timestamp: cut },
      ...fast,
    }),
  );
  assert.deepEqual(
    (await pollRecords(reader, 1)).map((r) => r.text),
    ['new'],
  );
  await reader.close();
  assert.throws(
    () => createKafkaSourceReader({ brokers, topic, group: 'g', start: { timestamp: 'yesterday' } }),
    /start.timestamp must be epoch milliseconds or an ISO date-time/,
  );
});

test('reader: a missing topic is a plain error, and the next poll joins once the topic exists', async (t) => {
  const topic = uniqueName('later');
  const reader = closeAfter(
    t,
    createKafkaSourceReader({ brokers, topic, group: uniqueName('group'), ...fast }),
  );
  await assert.rejects(
    reader.poll(10, 100),
    new RegExp(`could not join consumer group .* Unknown topic ${topic}`),
  );
  await createTopic(brokers, topic, 1);
  const sink = closeAfter(t, createKafkaSink({ brokers, topic, compression: 'none' }));
  await sink.send([{ value: 'hello' }]);
  assert.deepEqual(
    (await pollRecords(reader, 1)).map((r) => r.text),
    ['hello'],
  );
});
