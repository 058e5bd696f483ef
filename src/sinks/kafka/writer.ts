// A worker's Kafka sinks: rows as JSON (Flink's json format) or Confluent-framed Avro, keyed by the
// sink's key columns.
//   transactions:  one transactional producer for all the job's topics; a transaction per checkpoint
//                  interval, committed together with the source offsets (exactly once for
//                  read_committed consumers).
//   at-least-once: an idempotent producer per sink; every message carries a deterministic
//                  `weir-record-id` header (<split>:<offset>:<n>) so consumers can drop repeats.
import type { Project } from '../../config/project.ts';
import { createTopic, topicExists } from '../../connectors/kafka/admin.ts';
import { prepareAvroSink } from '../../connectors/kafka/confluent.ts';
import type { KafkaGroupMetadata } from '../../connectors/kafka/consumer.ts';
import { encodeJsonRow, keyColumns } from '../../connectors/kafka/json.ts';
import {
  createKafkaSink,
  type KafkaCompression,
  type KafkaMessage,
  type KafkaSink,
} from '../../connectors/kafka/producer.ts';
import { StageError } from '../../core/errors.ts';
import type { Row } from '../../core/record.ts';
import { sinkColumns } from '../columns.ts';
import type { Committables, RowError, SinkContext, SinkWriter } from '../contract.ts';

export const RECORD_ID_HEADER = 'weir-record-id';

/**
 * A sink's topic must exist before the job writes to it (a producer to a missing topic retries
 * "Unknown topic" forever): created when the sink asks for it, otherwise a clear stop at start.
 * Brokers that cannot be asked now are not a config problem: the producer waits for them as usual.
 */
async function ensureTopic(
  sink: string,
  cfg: NonNullable<Project['sinks'][number]['config']['kafka']>,
  log: (line: string) => void = () => {},
): Promise<void> {
  let exists: boolean;
  try {
    exists = await topicExists(cfg.brokers, cfg.topic);
  } catch (e) {
    log(`sink ${sink}: could not check that topic ${cfg.topic} exists (${(e as Error).message}); going on`);
    return;
  }
  if (exists) return;
  if (!cfg.create) {
    throw new Error(
      `sinks.${sink}.kafka.topic: Kafka topic "${cfg.topic}" does not exist on ${cfg.brokers.join(',')}; ` +
        'create it, or add create: { partitions: N } to the sink to let Weir create it',
    );
  }
  if (await createTopic(cfg.brokers, cfg.topic, cfg.create.partitions, cfg.create.replication ?? -1)) {
    log(`sink ${sink}: created Kafka topic ${cfg.topic} with ${cfg.create.partitions} partition(s)`);
  }
}

interface Target {
  sink: string;
  topic: string;
  compression: KafkaCompression;
  encode(row: Row): Buffer | string;
  key?: (row: Row) => string;
  producer?: KafkaSink;
}

/**
 * Every Kafka sink of the job, as one writer (a transactional job has one producer for all its
 * topics). Avro sinks register their schema here: an incompatible change throws (naming the sink
 * and field) before anything is written.
 */

export async function createKafkaWriter(
  sinks: SinkContext['project']['sinks'],
  ctx: SinkContext,
): Promise<SinkWriter> {
  const { project, job, worker } = ctx;
  const transactional = job.delivery === 'transactions';
  const targets = new Map<string, Target>();
  for (const sink of sinks) await ensureTopic(sink.name, sink.config.kafka!, ctx.log);
  for (const sink of sinks) {
    const cfg = sink.config.kafka!;
    const columns = sinkColumns(project, sink.name);
    let encode: Target['encode'];
    if (cfg.format === 'avro') {
      if (!cfg.registry)
        throw new Error(`sinks.${sink.name}.kafka.registry: format avro needs a schema registry URL`);
      const avro = await prepareAvroSink(cfg.registry, `${cfg.topic}-value`, columns, { sink: sink.name });
      encode = (row) => avro.encode(row);
    } else encode = (row) => encodeJsonRow(row, columns);
    let key: Target['key'];
    if (cfg.key.length > 0) {
      let keyCols: ReturnType<typeof keyColumns>;
      try {
        keyCols = keyColumns(columns, cfg.key);
      } catch (e) {
        throw new Error(`sinks.${sink.name}.kafka.key: ${(e as Error).message}`);
      }
      key = (row) => encodeJsonRow(row, keyCols);
    }
    const target: Target = { sink: sink.name, topic: cfg.topic, compression: cfg.compression, encode };
    if (key) target.key = key;
    if (!transactional) {
      target.producer = createKafkaSink({
        brokers: cfg.brokers,
        topic: cfg.topic,
        compression: cfg.compression,
        clientId: `weir-${job.name}-w${worker}-${sink.name}`,
      });
    }
    targets.set(sink.name, target);
  }
  const first = sinks[0]!.config.kafka!;
  const txProducer = transactional
    ? createKafkaSink({
        brokers: first.brokers,
        topic: first.topic,
        compression: 'none',
        // Stable per job and worker id: a restarted worker fences its earlier self.
        transactional: { id: `weir-${job.group}-${job.name}-w${worker}` },
        clientId: `weir-${job.name}-w${worker}-tx`,
      })
    : undefined;
  let open = false;
  async function begin(): Promise<void> {
    if (txProducer && !open) {
      await txProducer.beginTransaction();
      open = true;
    }
  }
  // A record's rows across the batch's sinks are numbered 0, 1, ... in its `weir-record-id`;
  // the numbering starts again with each batch (prepareCommit follows every batch).
  let ordinals = new Map<string, number>();

  return {
    sinks: sinks.map((s) => s.name),
    async write(sink, rows, origins) {
      const t = targets.get(sink)!;
      const refused: RowError[] = [];
      const messages: KafkaMessage[] = [];
      rows.forEach((row, i) => {
        const origin = origins[i] ?? { split: '', offset: -1 };
        const at = `${origin.split}:${origin.offset}`;
        const n = ordinals.get(at) ?? 0;
        ordinals.set(at, n + 1);
        try {
          const m: KafkaMessage = { topic: t.topic, value: t.encode(row) };
          if (t.key) m.key = t.key(row);
          if (!transactional) m.headers = { [RECORD_ID_HEADER]: `${at}:${n}` };
          messages.push(m);
        } catch (e) {
          const error =
            e instanceof StageError
              ? e
              : new StageError('SINK', `sink ${t.sink}: ${(e as Error).message}`, { cause: e });
          refused.push({ index: i, error });
        }
      });
      if (messages.length === 0) return refused;
      if (txProducer) {
        await begin();
        await txProducer.send(messages, { compression: t.compression });
      } else await t.producer!.send(messages);
      return refused;
    },
    async prepareCommit(): Promise<Committables> {
      ordinals = new Map();
      return { files: [], partitions: [] };
    },
    /** Transactional: commits the open transaction (opening one if needed) with the source's next offsets. */
    async commit(_c, at) {
      if (!txProducer || at.group === undefined) return;
      if (!open && Object.keys(at.positions).length === 0) return;
      await begin();
      await txProducer.sendOffsetsToTransaction(at.group as KafkaGroupMetadata, at.positions);
      await txProducer.commitTransaction();
      open = false;
    },
    // Not committed means not visible to read_committed consumers; the next run sends it again.
    abort: async () => {},
    async close() {
      const all = [txProducer, ...[...targets.values()].map((t) => t.producer)].filter((p): p is KafkaSink =>
        Boolean(p),
      );
      await Promise.allSettled(all.map((p) => p.close()));
    },
  };
}
