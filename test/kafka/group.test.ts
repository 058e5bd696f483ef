// Two readers in one consumer group against a real broker: the partitions are split between them,
// and the revoke callback runs (and can checkpoint) before a partition moves to the other reader.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTopic } from '../../src/connectors/kafka/admin.ts';
import { createKafkaSourceReader, type KafkaSourceReader } from '../../src/connectors/kafka/consumer.ts';
import { createKafkaSink } from '../../src/connectors/kafka/producer.ts';
import type { RawRecord } from '../../src/core/record.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { closeAfter, pollRecords, uniqueName } from './helpers.ts';

let broker: TestBroker;
let brokers: string[];
before(async () => {
  broker = await ensureBroker();
  brokers = broker.brokers;
});
after(() => broker?.stop());

const fast = { heartbeatIntervalMs: 300, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 15_000 };

test('two readers in one group split the partitions; revoke runs before a partition moves', async (t) => {
  const topic = uniqueName('group');
  const group = uniqueName('group');
  await createTopic(brokers, topic, 3);
  const sink = closeAfter(t, createKafkaSink({ brokers, topic, compression: 'none' }));
  // 4 messages per partition (the same key lands in the same partition).
  await sink.send(Array.from({ length: 12 }, (_, i) => ({ key: `key-${i % 3}`, value: `first-${i}` })));

  const events: string[] = [];
  const a = closeAfter(t, createKafkaSourceReader({ brokers, topic, group, clientId: 'reader-a', ...fast }));
  const seen = new Map<string, RawRecord[]>();
  const remember = (records: RawRecord[]) => {
    for (const r of records) seen.set(r.position.split, [...(seen.get(r.position.split) ?? []), r]);
  };
  // The runtime's checkpoint: commit what was read, so the next owner resumes exactly there.
  a.onRevoke(async (splits) => {
    events.push(`a revoke ${splits.length}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await a.commit(a.positions());
    events.push('a committed');
  });
  a.onAssign((splits) => {
    events.push(`a assign ${splits.length}`);
  });
  remember(await pollRecords(a, 12));
  assert.equal(a.assigned().length, 3);
  assert.equal(seen.size, 3);

  const b = closeAfter(t, createKafkaSourceReader({ brokers, topic, group, clientId: 'reader-b', ...fast }));
  b.onAssign((splits) => {
    events.push(`b assign ${splits.length}`);
  });
  // Both members must keep polling for the rebalance to complete (b's first poll joins).
  const deadline = Date.now() + 30_000;
  while (
    Date.now() < deadline &&
    !(a.assigned().length > 0 && b.assigned().length > 0 && a.assigned().length + b.assigned().length === 3)
  ) {
    await Promise.all([a.poll(100, 200).then(remember), b.poll(100, 200).then(remember)]);
  }
  const aSplits = a.assigned();
  const bSplits = b.assigned();
  assert.equal(aSplits.length + bSplits.length, 3, `a: ${aSplits}, b: ${bSplits}`);
  assert.ok(aSplits.length > 0 && bSplits.length > 0, 'each reader owns at least one partition');
  assert.deepEqual(new Set([...aSplits, ...bSplits]).size, 3, 'no partition is owned twice');
  assert.ok(events.indexOf('a committed') >= 0, `events: ${events}`);
  assert.ok(
    events.indexOf('a committed') < events.indexOf(`b assign ${bSplits.length}`),
    `a checkpoints before b gets partitions: ${events}`,
  );

  // New messages go to their own partitions; each reader reads only its own, and nothing is read twice.
  await sink.send(Array.from({ length: 6 }, (_, i) => ({ key: `key-${i % 3}`, value: `second-${i}` })));
  const more = await pollBoth(a, b, 6);
  for (const r of more) {
    const owner = aSplits.includes(r.position.split) ? 'a' : 'b';
    assert.equal(r.text.startsWith('second-'), true, `${owner} re-read ${r.text}`);
  }
  assert.equal(more.length, 6);
  await a.close();
  await b.close();
  await sink.close();
});

async function pollBoth(a: KafkaSourceReader, b: KafkaSourceReader, count: number): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  const deadline = Date.now() + 15_000;
  while (records.length < count && Date.now() < deadline) {
    const [fromA, fromB] = await Promise.all([a.poll(100, 300), b.poll(100, 300)]);
    for (const r of fromA)
      assert.ok(a.assigned().includes(r.position.split), `a read ${r.position.split} it does not own`);
    for (const r of fromB)
      assert.ok(b.assigned().includes(r.position.split), `b read ${r.position.split} it does not own`);
    records.push(...fromA, ...fromB);
  }
  return records;
}
