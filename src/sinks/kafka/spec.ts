// The Kafka sink's config: a topic, its format and key, and whether Weir may create it.
import { z } from 'zod';

export const KafkaSink = z
  .strictObject({
    brokers: z.array(z.string()).min(1).describe('bootstrap servers, host:port'),
    topic: z.string().min(1).describe('topic to produce to'),
    format: z.enum(['json', 'avro']).default('json').describe('json, or Confluent-framed Avro'),
    key: z.array(z.string()).default([]).describe('columns forming the message key'),
    compression: z.enum(['none', 'gzip', 'snappy', 'lz4', 'zstd']).default('none'),
    registry: z.string().optional().describe('schema registry URL (format: avro)'),
    create: z
      .strictObject({
        partitions: z.number().int().min(1).describe('partitions of the new topic'),
        replication: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe('replication factor (default: the broker default)'),
      })
      .optional()
      .describe(
        'create the topic at start when it does not exist; without it, a missing topic stops the job at start',
      ),
  })
  .describe('a Kafka topic');
