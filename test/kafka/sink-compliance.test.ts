// The sink compliance suite (test/sink-compliance.ts) for Kafka topics, on the real broker. A file
// job's Kafka sink is at least once (an idempotent producer; each message carries weir-record-id
// for consumers that drop repeats); a Kafka-only job's exactly-once is the takeover test's.
import { after, before, test } from 'node:test';
import { createTopic } from '../../src/connectors/kafka/admin.ts';
import { createKafkaSourceReader } from '../../src/connectors/kafka/consumer.ts';
import { compliance, RECORDS } from '../sink-compliance.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { pollFor, pollRecords, uniqueName } from './helpers.ts';

let broker: TestBroker;
before(async () => {
  broker = await ensureBroker();
});
after(() => broker?.stop());

test('sink compliance: kafka json — killed and restarted, every row delivered, counters balance', async () => {
  const topic = uniqueName('compliance');
  await createTopic(broker.brokers, topic, 2);
  await compliance({
    name: 'kafka json',
    sink: `{ table: t, kafka: { brokers: [${broker.brokers.join(',')}], topic: ${topic}, key: [id] } }`,
    atLeastOnce: true,
    async read() {
      const reader = createKafkaSourceReader({ brokers: broker.brokers, topic, group: uniqueName('check') });
      try {
        const rows = await pollRecords(reader, RECORDS, 60_000);
        rows.push(...(await pollFor(reader, 1000)));
        return rows.map((r) => Number(JSON.parse(r.text).id));
      } finally {
        await reader.close();
      }
    },
  });
});
