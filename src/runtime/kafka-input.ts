// A worker's Kafka input: one member of the job's consumer group; partitions are the splits.
//
// Positions: when a partition is assigned, reading starts at the furthest of the group's committed
// offset and the furthest position any worker's manifest of this job holds for it (manifests are
// re-read from disk at that moment: the previous owner may have checkpointed it just before it gave
// the partition up, or crashed after its manifest but before its offset commit). A transactional
// job commits offsets inside its Kafka transaction, which is then the only truth, so it starts at
// the committed offset alone. Before reading the manifests, the new owner fences the workers of older
// generations that held the partitions (checkpoint.ts), so one the group dropped cannot commit late.
import type { SourceConfig } from '../config/model.ts';
import type { Project } from '../config/project.ts';
import { topicOffsets } from '../connectors/kafka/admin.ts';
import { createAvroDecoder, RegistryClientError } from '../connectors/kafka/confluent.ts';
import { createKafkaSourceReader, type KafkaGroupMetadata } from '../connectors/kafka/consumer.ts';
import { StageError } from '../core/errors.ts';
import type { RawRecord } from '../core/record.ts';
import { fenceWorkers, mergePositions, readManifests } from './checkpoint.ts';
import { type InputBatch, type SourceInput, sourceError } from './input.ts';

export interface KafkaInputOptions {
  project: Project;
  source: string;
  /** The job's checkpoint key (manifests are read from there at assignment). */
  job: string;
  group: string;
  worker: number;
  checkpointDir: string;
  /** Positions come from the group's committed offsets only (transactional jobs). */
  positionsFromKafka: boolean;
  /**
   * Stop once every partition of the topic reached the end offset it had when the input started:
   * the ones this member owns by its own positions, the others by the group's committed offsets
   * (and the manifests), so a worker does not stop while a dead member's partitions still wait
   * for it to take them over.
   */
  untilEnd: boolean;
  /** Runs before partitions are given up in a rebalance (the worker checkpoints); awaited. */
  onRevoke(splits: string[]): Promise<void>;
  log(line: string): void;
}

export interface KafkaInput extends SourceInput {
  /** Next offset of every partition this member owns now. */
  owned(): Record<string, number>;
  groupMetadata(): KafkaGroupMetadata;
  /** Why this member may no longer own its partitions (see KafkaSourceReader.ownershipLost); null when it does. */
  ownershipLost(): string | null;
  /** Group generation of the current assignment (manifests are written in it). */
  generation(): number;
}

function envMs(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export async function createKafkaInput(opts: KafkaInputOptions): Promise<KafkaInput> {
  const config: NonNullable<SourceConfig['kafka']> = opts.project.config.sources[opts.source]!.kafka!;
  const topics = Array.isArray(config.topic) ? config.topic : [config.topic];
  const ends = new Map<string, number>();
  if (opts.untilEnd) {
    for (const topic of topics) {
      for (const [split, o] of Object.entries(await topicOffsets(config.brokers, topic)))
        if (o.latest > o.earliest) ends.set(split, o.latest);
    }
  }
  const sessionTimeoutMs = envMs('WEIR_KAFKA_SESSION_TIMEOUT_MS', 30_000);
  const reader = createKafkaSourceReader({
    brokers: config.brokers,
    topic: config.topic,
    group: opts.group,
    start: config.start,
    clientId: `weir-${opts.job}-w${opts.worker}`,
    sessionTimeoutMs,
    rebalanceTimeoutMs: envMs('WEIR_KAFKA_REBALANCE_TIMEOUT_MS', 60_000),
    heartbeatIntervalMs: Math.max(300, Math.floor(sessionTimeoutMs / 10)),
  });
  reader.onAssign(async (splits) => {
    // Transactional jobs too: their manifests carry the SLA counters a late worker must not commit.
    await fenceWorkers(opts.checkpointDir, opts.job, opts.worker, reader.generation(), splits);
    if (opts.positionsFromKafka) return;
    const checkpointed = mergePositions(await readManifests(opts.checkpointDir, opts.job));
    const current = reader.positions();
    const seeks: Record<string, number> = {};
    for (const split of splits) {
      const at = checkpointed.get(split)?.offset;
      if (at !== undefined && at > (current[split] ?? 0)) seeks[split] = at;
    }
    if (Object.keys(seeks).length > 0) reader.seek(seeks);
  });
  reader.onRevoke((splits) => opts.onRevoke(splits));

  const decoder = config.format === 'avro' ? createAvroDecoder(config.registry!) : undefined;
  const version = opts.project.version;
  const maxBytes = opts.project.config.sources[opts.source]!.max_record_bytes;

  async function decode(r: RawRecord, batch: InputBatch): Promise<void> {
    if (!decoder || r.bytes.length > maxBytes) {
      batch.records.push(r);
      return;
    }
    try {
      const text = await decoder.decode(r.bytes);
      batch.records.push({ ...r, text });
    } catch (e) {
      // The registry being unreachable is not the record's fault: the job retries.
      if (e instanceof RegistryClientError && e.errorCode !== 40403) throw e;
      if (e instanceof TypeError) throw e;
      const err = new StageError('DECODE_AVRO', (e as Error).message, { cause: e });
      batch.errors.push(sourceError(r, err, version));
    }
  }

  const ownDone = (owned: Record<string, number>) =>
    Object.keys(owned).every((s) => owned[s]! >= (ends.get(s) ?? 0));
  /** Whether the partitions this member does not own are done; refreshed at most once a second. */
  let othersDone = false;
  let othersCheckedAt = 0;
  async function checkOthers(owned: Record<string, number>): Promise<void> {
    if (Date.now() - othersCheckedAt < 1000) return;
    othersCheckedAt = Date.now();
    const others = [...ends.keys()].filter((s) => !(s in owned));
    const done = new Map(Object.entries(await reader.committed(others)));
    if (!opts.positionsFromKafka) {
      for (const [split, p] of mergePositions(await readManifests(opts.checkpointDir, opts.job)))
        done.set(split, Math.max(done.get(split) ?? 0, p.offset));
    }
    othersDone = others.every((s) => (done.get(s) ?? 0) >= ends.get(s)!);
  }

  let committedOnce = false;
  return {
    async read(max) {
      const raw = await reader.poll(max, 500);
      if (opts.untilEnd && raw.length === 0 && ownDone(reader.positions()))
        await checkOthers(reader.positions());
      const batch: InputBatch = { records: [], errors: [], read: raw.length, bytes: 0 };
      for (const r of raw) {
        batch.bytes += r.bytes.length;
        await decode(r, batch);
      }
      return batch;
    },
    ended() {
      return opts.untilEnd && othersDone && ownDone(reader.positions());
    },
    async idle() {},
    positions() {
      const out: Record<string, { offset: number; line: number }> = {};
      for (const [split, offset] of Object.entries(reader.positions())) out[split] = { offset, line: 0 };
      return out;
    },
    async acknowledge(positions) {
      if (opts.positionsFromKafka) return;
      const owned = new Set(reader.assigned());
      const offsets: Record<string, number> = {};
      for (const [split, p] of Object.entries(positions)) if (owned.has(split)) offsets[split] = p.offset;
      try {
        await reader.commit(offsets);
        committedOnce = true;
      } catch (e) {
        // Safe to skip: the manifest holds these positions, and assignment reads manifests.
        opts.log(
          `could not commit offsets to group "${opts.group}" (will retry at the next checkpoint): ${(e as Error).message}`,
        );
      }
    },
    owned: () => reader.positions(),
    groupMetadata: () => reader.groupMetadata(),
    ownershipLost: () => reader.ownershipLost(),
    generation: () => reader.generation(),
    async close() {
      void committedOnce;
      await reader.close();
    },
  };
}
