// `weir validate` for Kafka sinks: the registry an Avro sink needs, key columns, and the Flink DDL
// and Avro schema derived as the writer derives them. No Kafka client is loaded.
import { sinkAvroSchema, sinkFlinkDdl } from '../../config/derive.ts';
import type { SinkCheck } from '../contract.ts';

export function checkKafkaSink({ sink, table, report, known, clean }: SinkCheck): void {
  const kafka = sink.config.kafka!;
  const columns = sink.config.columns;
  if (kafka.format === 'avro' && kafka.registry === undefined) {
    report(['kafka', 'registry'], 'required when format is avro (the schema registry URL)');
  }
  kafka.key.forEach((k, i) => {
    const at = ['kafka', 'key', i];
    if (known(k, at, 'key column') && columns && !columns.includes(k)) {
      report(at, `key column "${k}" is not in the sink's columns`);
    }
  });
  if (!clean()) return;
  try {
    sinkFlinkDdl(table, sink);
    if (kafka.format === 'avro') sinkAvroSchema(table, sink);
  } catch (e) {
    report(
      ['kafka', 'format'],
      `Kafka format ${kafka.format} cannot hold table ${table.name}: ${(e as Error).message}`,
    );
  }
}
