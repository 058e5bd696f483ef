// The physical descriptions of a sink (Hive and Spark DDL, Flink Kafka DDL, Avro schema), from its table's
// columns via src/types. Shared by `weir ddl` and the validation that a sink's format can hold its table.
import { avroRecordName } from '../types/avro.ts';
import { avroSchema, flinkKafkaDdl, type HiveTableSpec, hiveDdl, sparkDdl } from '../types/index.ts';
import type { Project, ResolvedSink, ResolvedTable } from './project.ts';
import { hiveTarget, sinkColumns } from './resolve.ts';

export function sinkHiveDdl(project: Project, table: ResolvedTable, sink: ResolvedSink): string {
  return hiveDdl(hiveSpec(project, table, sink));
}

/** Spark SQL DDL of a Hive sink's table (a data source table; for text, the Hive DDL). */
export function sinkSparkDdl(project: Project, table: ResolvedTable, sink: ResolvedSink): string {
  return sparkDdl(hiveSpec(project, table, sink));
}

function hiveSpec(project: Project, table: ResolvedTable, sink: ResolvedSink): HiveTableSpec {
  const hive = sink.config.hive;
  if (!hive) throw new Error(`sink ${sink.name} is not a Hive sink`);
  const columns = sinkColumns(table, sink);
  if (columns.length > 0 && columns.every((c) => hive.partitioned_by.includes(c.name))) {
    throw new Error('a Hive table needs at least one column that is not a partition column');
  }
  return {
    ...hiveTarget(project, sink.name, hive),
    columns,
    partitionedBy: hive.partitioned_by,
    format: hive.format,
    properties: hive.properties,
    ...(table.config.comment !== undefined ? { comment: table.config.comment } : {}),
  };
}

export function sinkFlinkDdl(table: ResolvedTable, sink: ResolvedSink): string {
  const kafka = sink.config.kafka;
  if (!kafka) throw new Error(`sink ${sink.name} is not a Kafka sink`);
  return flinkKafkaDdl({
    table: sink.name,
    columns: sinkColumns(table, sink),
    topic: kafka.topic,
    brokers: kafka.brokers,
    format: kafka.format,
    ...(kafka.registry !== undefined ? { registryUrl: kafka.registry } : {}),
    key: kafka.key,
  });
}

/** The Avro value schema of a Kafka sink's rows, as `weir run` registers it (record named after the topic). */
export function sinkAvroSchema(table: ResolvedTable, sink: ResolvedSink): ReturnType<typeof avroSchema> {
  return avroSchema(avroRecordName(sink.config.kafka?.topic ?? table.name), sinkColumns(table, sink));
}
