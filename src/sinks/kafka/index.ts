// Kafka topics (JSON or Confluent Avro), exactly once through transactions or at least once.
import type { SinkKind } from '../contract.ts';
import { checkKafkaSink } from './check.ts';

export const kafkaSinks: SinkKind = {
  key: 'kafka',
  check: checkKafkaSink,
  // The Kafka client costs ~1 s of start-up per worker: loaded only by jobs with Kafka sinks.
  async create(sinks, ctx) {
    if (sinks.length === 0) return [];
    const { createKafkaWriter } = await import('./writer.ts');
    return [await createKafkaWriter(sinks, ctx)];
  },
};
