// Flink SQL types and Kafka table DDL, for users querying Weir's Kafka topics from Flink SQL.
import type { Column, LogicalType } from '../core/types.ts';
import { avroSchema } from './avro.ts';
import { checkUniqueColumns, findColumn } from './columns.ts';
import { DerivationError } from './errors.ts';
import { quoteIdentifier, quoteSqlString, spellType, type TypeSpelling } from './print.ts';

export interface FlinkKafkaTableSpec {
  table: string;
  columns: Column[];
  topic: string;
  brokers: string[];
  format: 'json' | 'avro';
  registryUrl?: string;
  key?: string[];
  groupId?: string;
}

const FLINK: TypeSpelling = {
  simple: (kind) => (kind === 'BINARY' ? 'BYTES' : kind === 'JSON' ? 'STRING' : kind),
  decimalSeparator: ', ',
  // Flink's parser takes a field description as a bare string after the type, without COMMENT.
  field: (name, type, comment) =>
    `${quoteIdentifier(name)} ${type}` + (comment === undefined ? '' : ` ${quoteSqlString(comment)}`),
  notNull: true,
};

/** The Flink SQL type. Flink's BINARY is fixed-length, so Weir's BINARY is BYTES; JSON is STRING. */
export function flinkType(t: LogicalType): string {
  return spellType(t, FLINK);
}

/**
 * The type Flink's `avro-confluent` format reads a column of Weir's Avro schema (src/types/avro.ts)
 * as. That format (Flink 2.x) derives its reader schema with Avro's legacy timestamp mapping only:
 * TIMESTAMP(p <= 3) is `timestamp-millis`, a larger precision is refused ("Avro does not support
 * TIMESTAMP type with precision: 6") and TIMESTAMP_LTZ has no schema at all ("Unsupported to
 * derive Schema"). So, read from Weir's longs:
 *   TIMESTAMP(p <= 3)      `local-timestamp-millis` → TIMESTAMP(p)  (the same wall-clock time)
 *   TIMESTAMP_LTZ(p <= 3)  `timestamp-millis`       → TIMESTAMP(p)  (the instant's UTC time)
 *   precision 4..9         `*-micros`               → BIGINT        (microseconds since 1970-01-01)
 * Every other type reads as flinkType gives it.
 */
export function flinkAvroType(t: LogicalType): string {
  return spellType(avroReadable(t), FLINK);
}

function avroReadable(t: LogicalType): LogicalType {
  switch (t.kind) {
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return t.precision <= 3
        ? { kind: 'TIMESTAMP', precision: t.precision, nullable: t.nullable }
        : { kind: 'BIGINT', nullable: t.nullable };
    case 'ARRAY':
      return { ...t, element: avroReadable(t.element) };
    case 'MAP':
      return { ...t, key: avroReadable(t.key), value: avroReadable(t.value) };
    case 'ROW':
      return { ...t, fields: t.fields.map((f) => ({ ...f, type: avroReadable(f.type) })) };
    default:
      return t;
  }
}

function formatOptions(
  format: 'json' | 'avro',
  registryUrl: string | undefined,
  prefix: string,
): [string, string][] {
  // Weir writes message keys as JSON (src/connectors/kafka/json.ts) whatever the value format.
  if (format === 'json' || prefix === 'key.') {
    return [
      [`${prefix}format`, 'json'],
      [`${prefix}json.ignore-parse-errors`, 'false'],
    ];
  }
  return [
    [`${prefix}format`, 'avro-confluent'],
    [`${prefix}avro-confluent.url`, registryUrl!],
  ];
}

/**
 * `CREATE TABLE ... WITH ('connector' = 'kafka', ...)` reading a Weir Kafka sink from the earliest
 * offset. With key fields the key and value formats are set separately ('key.format' = 'json',
 * as Weir writes keys, and 'value.format') and the value keeps every column
 * ('value.fields-include' = 'ALL'). Avro columns take the types Flink's avro-confluent format can
 * read (flinkAvroType); Flink fetches each message's writer schema from the registry by its id.
 * An Avro sink's key is left out when a key column holds a timestamp: its JSON text (e.g.
 * '2026-01-02 03:04:05.678Z') would not parse as the TIMESTAMP or BIGINT the value needs, and the
 * value carries the key columns anyway.
 */
export function flinkKafkaDdl(spec: FlinkKafkaTableSpec): string {
  if (spec.table === '') throw new DerivationError('the Flink table name is empty');
  if (spec.topic === '') throw new DerivationError('the Kafka topic is empty');
  if (spec.brokers.length === 0) throw new DerivationError('the Kafka sink needs at least one broker');
  if (spec.format !== 'json' && spec.format !== 'avro') {
    throw new DerivationError(`unknown Kafka format "${spec.format}" (use json or avro)`);
  }
  checkUniqueColumns(spec.columns);
  let key = spec.key ?? [];
  for (const name of key) findColumn(spec.columns, name, 'key field');
  if (new Set(key).size !== key.length) throw new DerivationError('a key field is listed twice');
  const typeOf = spec.format === 'avro' ? flinkAvroType : flinkType;
  if (spec.format === 'avro') {
    const columnType = (name: string) => spec.columns.find((c) => c.name === name)!.type;
    if (key.some((name) => flinkAvroType(columnType(name)) !== flinkType(columnType(name)))) key = [];
  }
  if (spec.format === 'avro') {
    if (!spec.registryUrl) {
      throw new DerivationError('format avro needs the schema registry URL (registry)');
    }
    // Flink derives the Avro schema from the row type; fail here, with Weir's message, if it cannot.
    avroSchema('record', spec.columns);
  }

  const options: [string, string][] = [
    ['connector', 'kafka'],
    ['topic', spec.topic],
    ['properties.bootstrap.servers', spec.brokers.join(',')],
  ];
  if (spec.groupId !== undefined) options.push(['properties.group.id', spec.groupId]);
  options.push(['scan.startup.mode', 'earliest-offset']);
  if (key.length === 0) {
    options.push(...formatOptions(spec.format, spec.registryUrl, ''));
  } else {
    options.push(
      ...formatOptions(spec.format, spec.registryUrl, 'key.'),
      ['key.fields', key.join(';')],
      ...formatOptions(spec.format, spec.registryUrl, 'value.'),
      ['value.fields-include', 'ALL'],
    );
  }

  const columns = spec.columns.map(
    (c) =>
      `  ${quoteIdentifier(c.name)} ${typeOf(c.type)}` +
      (c.comment === undefined ? '' : ` COMMENT ${quoteSqlString(c.comment)}`),
  );
  return [
    `CREATE TABLE ${quoteIdentifier(spec.table)} (`,
    columns.join(',\n'),
    ') WITH (',
    options.map(([k, v]) => `  ${quoteSqlString(k)} = ${quoteSqlString(v)}`).join(',\n'),
    ')',
  ].join('\n');
}
