// Transactional Kafka sink against a real broker: read_committed readers never see an aborted
// transaction; a committed one becomes visible together with the offsets sent to it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTopic, topicOffsets } from '../../src/connectors/kafka/admin.ts';
import { createKafkaSourceReader } from '../../src/connectors/kafka/consumer.ts';
import { createKafkaSink } from '../../src/connectors/kafka/producer.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { closeAfter, pollFor, pollRecords, uniqueName } from './helpers.ts';

let broker: TestBroker;
let brokers: string[];
before(async () => {
  broker = await ensureBroker();
  brokers = broker.brokers;
});
after(() => broker?.stop());

const fast = { heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000 };

test('an aborted transaction is invisible to a read_committed reader; a committed one is visible', async (t) => {
  const topic = uniqueName('tx');
  await createTopic(brokers, topic, 3);
  const sink = closeAfter(
    t,
    createKafkaSink({ brokers, topic, compression: 'zstd', transactional: { id: uniqueName('txid') } }),
  );
  await assert.rejects(
    sink.send([{ value: 'outside' }]),
    /transactional: call beginTransaction\(\) before send/,
  );

  await sink.beginTransaction();
  await sink.send([
    { key: 'a', value: 'aborted-1' },
    { key: 'b', value: 'aborted-2' },
  ]);
  await sink.abortTransaction();
  await sink.beginTransaction();
  await sink.send([
    { key: 'a', value: 'committed-1', headers: { table: 'login' } },
    { key: 'b', value: 'committed-2' },
  ]);

  const reader = closeAfter(
    t,
    createKafkaSourceReader({ brokers, topic, group: uniqueName('group'), ...fast }),
  );
  assert.deepEqual(
    (await pollFor(reader, 800)).map((r) => r.text),
    [],
    'an open transaction is not visible',
  );
  await sink.commitTransaction();
  const records = await pollRecords(reader, 2);
  assert.deepEqual(records.map((r) => r.text).sort(), ['committed-1', 'committed-2']);
  assert.deepEqual(await pollFor(reader, 500), [], 'the aborted messages never show up');

  // The aborted records and the transaction markers still take offsets: positions skip past them.
  const ends = await topicOffsets(brokers, topic);
  for (const [split, position] of Object.entries(reader.positions()))
    assert.equal(position, ends[split]!.latest);
  await reader.close();
  await sink.close();
});

test('offsets sent to a transaction commit with it, and only then', async (t) => {
  const source = uniqueName('tx-src');
  const target = uniqueName('tx-dst');
  const group = uniqueName('group');
  await createTopic(brokers, source, 1);
  await createTopic(brokers, target, 1);
  const feed = closeAfter(t, createKafkaSink({ brokers, topic: source, compression: 'none' }));
  await feed.send(Array.from({ length: 5 }, (_, i) => ({ value: `in-${i}` })));
  await feed.close();

  const reader = closeAfter(t, createKafkaSourceReader({ brokers, topic: source, group, ...fast }));
  const input = await pollRecords(reader, 5);
  assert.equal(input.length, 5);
  const sink = closeAfter(
    t,
    createKafkaSink({
      brokers,
      topic: target,
      compression: 'snappy',
      transactional: { id: uniqueName('txid') },
    }),
  );

  // First attempt: rows and offsets in a transaction that aborts → the group offset does not move.
  await sink.beginTransaction();
  await sink.send(input.map((r) => ({ value: `out-${r.text}` })));
  await sink.sendOffsetsToTransaction(reader.groupMetadata(), reader.positions());
  await sink.abortTransaction();
  // Second attempt commits both.
  await sink.beginTransaction();
  await sink.send(input.slice(0, 3).map((r) => ({ value: `out-${r.text}` })));
  await sink.sendOffsetsToTransaction(group, { [`${source}/0`]: 3 });
  await sink.commitTransaction();
  await reader.close();
  await sink.close();

  const resumed = closeAfter(t, createKafkaSourceReader({ brokers, topic: source, group, ...fast }));
  assert.deepEqual(
    (await pollRecords(resumed, 2)).map((r) => r.text),
    ['in-3', 'in-4'],
    'the group resumes from the offset committed in the transaction',
  );
  await resumed.close();
  const output = closeAfter(
    t,
    createKafkaSourceReader({ brokers, topic: target, group: uniqueName('group'), ...fast }),
  );
  assert.deepEqual(
    (await pollRecords(output, 3)).map((r) => r.text),
    ['out-in-0', 'out-in-1', 'out-in-2'],
  );
  assert.deepEqual(await pollFor(output, 500), []);
  await output.close();
});
