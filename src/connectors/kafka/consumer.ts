// The Kafka source reader: a consumer-group member that hands over raw records in batches.
//
// Kafka's group protocol decides which worker owns which partition (split); this reader owns
// the fetch positions itself (fetching with explicit offsets), so the runtime can resume from
// checkpointed positions with seek() and commits offsets only after its warehouse commit.
// Rebalances are eager (every member gives up all partitions, then gets a new assignment):
// onRevoke callbacks run, and finish, before this member rejoins the group, so the runtime
// can checkpoint before a partition moves to another worker.

import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, Consumer, FetchIsolationLevels, ListOffsetTimestamps } from '@platformatic/kafka';
import type { RawRecord } from '../../core/record.ts';
import { isKafkaError, kafkaError } from './errors.ts';
import { startPosition } from './source-check.ts';
import { parsePositions, parseSplit, splitName } from './split.ts';

export type KafkaStart = 'earliest' | 'latest' | { timestamp: number | string };

export interface KafkaSourceReaderOptions {
  brokers: string[];
  topic: string | string[];
  group: string;
  /** Where a partition without a committed offset starts; default 'earliest'. */
  start?: KafkaStart;
  clientId?: string;
  /** Group session timeout; a member silent this long is removed. Default 30 s. */
  sessionTimeoutMs?: number;
  /** How often the member heartbeats, which is also how fast it notices a rebalance. Default 3 s. */
  heartbeatIntervalMs?: number;
  /** How long the group waits for members to rejoin (covers onRevoke checkpoints). Default 60 s. */
  rebalanceTimeoutMs?: number;
  /** Upper bound of one fetch per partition. Default 4 MiB. */
  maxBytesPerPartition?: number;
}

/** What a transactional producer needs to commit this group's offsets (see producer.ts). */
export interface KafkaGroupMetadata {
  groupId: string;
  generationId: number;
  memberId: string;
  coordinatorId: number | null;
}

export type SplitsCallback = (splits: string[]) => Promise<void> | void;

export interface KafkaSourceReader {
  /** Splits (`topic/partition`) this member owns now. Empty until the first poll() joins the group. */
  assigned(): string[];
  /** Next offset to read of every owned split. */
  positions(): Record<string, number>;
  /**
   * Up to `maxRecords` committed records (read_committed) from the owned splits, waiting up to
   * `maxWaitMs` when none are available. The first call joins the group.
   */
  poll(maxRecords: number, maxWaitMs: number): Promise<RawRecord[]>;
  /** Sets the next offset to read of these splits; for a split not owned yet, it applies when it is assigned. */
  seek(positions: Record<string, number>): void;
  /** Commits these next-offsets to the group (call after the warehouse commit). */
  commit(positions: Record<string, number>): Promise<void>;
  /** Called with the splits about to be given up, before the group moves them; awaited. */
  onRevoke(cb: SplitsCallback): void;
  /** Called with the newly assigned splits once their positions are known (seek() inside works); awaited. */
  onAssign(cb: SplitsCallback): void;
  /** Identity of this member in its group, for KafkaSink.sendOffsetsToTransaction. */
  groupMetadata(): KafkaGroupMetadata;
  /**
   * Why this member can no longer be sure it still owns its splits (it left or lost the group, the
   * group moved to a newer generation, or no heartbeat succeeded for half the session timeout, so
   * the coordinator may already have given the splits to another member); null when it can.
   */
  ownershipLost(): string | null;
  /** Group generation of the current assignment (-1 before the first). */
  generation(): number;
  /** The group's committed next-offsets of these splits (splits without one are left out). */
  committed(splits: string[]): Promise<Record<string, number>>;
  /** Leaves the group. Does not call onRevoke: checkpoint before closing. */
  close(): Promise<void>;
}

interface SplitState {
  topic: string;
  partition: number;
  /** Offset the next fetch starts at. */
  fetchOffset: bigint;
  /** Fetched records not yet handed over, in offset order. */
  buffer: RawRecord[];
}

const IS_CONTROL = 1 << 5;
/** Longest wait for an open transaction holding a partition's committed offset (its timeout is far shorter). */
const UNSTABLE_OFFSETS_WAIT_MS = 120_000;
const LOG_APPEND_TIME = 1 << 3;

export function createKafkaSourceReader(opts: KafkaSourceReaderOptions): KafkaSourceReader {
  const topics = Array.isArray(opts.topic) ? opts.topic : [opts.topic];
  if (topics.length === 0 || topics.some((t) => t === '' || t.includes('/'))) {
    throw new Error(`kafka source: topic must be one or more topic names, got ${JSON.stringify(opts.topic)}`);
  }
  if (!opts.group) throw new Error('kafka source: a consumer group is required');
  const startTimestamp = parseStart(opts.start ?? 'earliest');
  const maxBytesPerPartition = opts.maxBytesPerPartition ?? 4 * 1024 * 1024;
  const where = `topic ${topics.join(',')} (group ${opts.group}, brokers ${opts.brokers.join(',')})`;

  const revokeCallbacks: SplitsCallback[] = [];
  const assignCallbacks: SplitsCallback[] = [];
  let owned = new Map<string, SplitState>();
  /** Splits whose onRevoke callbacks are running: nothing more is handed over from them. */
  let revoking = false;
  const pendingSeeks = new Map<string, number>();
  let joining: Promise<void> | null = null;
  let assignWork: Promise<void> = Promise.resolve();
  let failure: Error | null = null;
  let closed = false;
  let drainFrom = 0;
  let admin: Admin | undefined;
  const sessionTimeoutMs = opts.sessionTimeoutMs ?? 30_000;
  /** Generation of the current assignment, and when it was received. */
  let assignedGeneration = -1;
  let assignedAt = 0;

  const consumer = new Consumer({
    clientId: opts.clientId ?? `weir-${opts.group}`,
    groupId: opts.group,
    bootstrapBrokers: opts.brokers,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: opts.heartbeatIntervalMs ?? 3_000,
    rebalanceTimeout: opts.rebalanceTimeoutMs ?? 60_000,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    autocommit: false,
    // Runs before every JoinGroup request: the one place to give partitions up before the group
    // reassigns them (the client has no revoke hook of its own).
    protocolsMetadata: async () => {
      await revokeAll();
      return Buffer.alloc(0);
    },
  });
  consumer.on('error', (error: Error) => {
    failure ??= kafkaError(`the Kafka consumer of ${where} failed`, error);
  });
  consumer.on('consumer:group:join', ({ assignments }) => {
    // A rejoin that was in flight when close() began: the partitions are not ours to read any more.
    if (closed) return;
    assignedGeneration = consumer.generationId;
    assignedAt = Date.now();
    const splits = (assignments ?? []).flatMap(({ topic, partitions }) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    assignWork = assignWork.then(() =>
      assign(splits).catch((error: unknown) => {
        failure ??= kafkaError(`could not start reading the partitions assigned from ${where}`, error);
      }),
    );
  });

  async function revokeAll(): Promise<void> {
    await assignWork;
    const splits = [...owned.keys()];
    if (splits.length === 0) return;
    revoking = true;
    try {
      for (const cb of revokeCallbacks) await cb(splits);
    } catch (error) {
      failure ??= new Error(
        `the onRevoke callback failed for ${splits.join(', ')}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    } finally {
      owned = new Map();
      revoking = false;
    }
  }

  async function assign(splits: { topic: string; partition: number }[]): Promise<void> {
    const next = new Map<string, SplitState>();
    const unresolved: { topic: string; partition: number }[] = [];
    for (const { topic, partition } of splits) {
      const split = splitName(topic, partition);
      const seek = pendingSeeks.get(split);
      if (seek === undefined) unresolved.push({ topic, partition });
      else {
        pendingSeeks.delete(split);
        next.set(split, { topic, partition, fetchOffset: BigInt(seek), buffer: [] });
      }
    }
    for (const [split, offset] of await startOffsets(unresolved)) {
      const { topic, partition } = parseSplit(split);
      next.set(split, { topic, partition, fetchOffset: offset, buffer: [] });
    }
    owned = next;
    const assigned = [...next.keys()];
    if (assigned.length > 0) for (const cb of assignCallbacks) await cb(assigned);
  }

  /** Committed offsets of the group, or the `start` position where none was committed. */
  async function startOffsets(splits: { topic: string; partition: number }[]): Promise<Map<string, bigint>> {
    const result = new Map<string, bigint>();
    if (splits.length === 0) return result;
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of splits) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    const committed = await stableCommittedOffsets(byTopic);
    const missing = new Map<string, number[]>();
    for (const [topic, partitions] of byTopic) {
      for (const partition of partitions) {
        const offset = committed.get(topic)?.[partition];
        if (offset !== undefined && offset >= 0n) result.set(splitName(topic, partition), offset);
        else missing.set(topic, [...(missing.get(topic) ?? []), partition]);
      }
    }
    if (missing.size === 0) return result;
    const listed = await listOffsets(missing, startTimestamp);
    // A timestamp after the last message: start at the end, like Kafka's offsetsForTimes + seekToEnd.
    const ends = startTimestamp >= 0n ? await listOffsets(missing, ListOffsetTimestamps.LATEST) : listed;
    for (const [topic, partitions] of missing) {
      for (const partition of partitions) {
        const offset = listed.get(topic)?.[partition];
        const end = ends.get(topic)?.[partition] ?? 0n;
        result.set(splitName(topic, partition), offset !== undefined && offset >= 0n ? offset : end);
      }
    }
    return result;
  }

  /**
   * Committed offsets that no open transaction is about to change (requireStable, as Kafka's Java
   * consumer does under read_committed): right after a transactional owner committed, or while a
   * dead one's transaction waits to be aborted, plain reads return the older offset, and the new
   * owner would read those records again.
   */
  async function stableCommittedOffsets(byTopic: Map<string, number[]>): Promise<Map<string, bigint[]>> {
    admin ??= new Admin({
      clientId: `${opts.clientId ?? `weir-${opts.group}`}-offsets`,
      bootstrapBrokers: opts.brokers,
    });
    const deadline = Date.now() + UNSTABLE_OFFSETS_WAIT_MS;
    for (;;) {
      try {
        const [group] = await admin.listConsumerGroupOffsets({
          groups: [
            {
              groupId: opts.group,
              topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
            },
          ],
          requireStable: true,
        });
        const out = new Map<string, bigint[]>();
        for (const topic of group?.topics ?? []) {
          const offsets: bigint[] = [];
          for (const p of topic.partitions) offsets[p.partitionIndex] = p.committedOffset;
          out.set(topic.name, offsets);
        }
        return out;
      } catch (error) {
        if (closed || !isKafkaError(error, 'UNSTABLE_OFFSET_COMMIT') || Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  }

  function listOffsets(byTopic: Map<string, number[]>, timestamp: bigint) {
    return consumer.listOffsets({
      topics: [...byTopic.keys()],
      partitions: Object.fromEntries(byTopic),
      timestamp,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    });
  }

  function checkUsable(): void {
    if (closed) throw new Error(`the Kafka reader of ${where} is closed`);
    if (failure) throw failure;
  }

  async function ensureJoined(): Promise<void> {
    joining ??= (async () => {
      consumer.topics.trackAll(...topics);
      try {
        await consumer.joinGroup({});
      } catch (error) {
        joining = null; // the next poll tries again (e.g. once the topic exists)
        throw kafkaError(`could not join consumer group "${opts.group}" for ${where}`, error);
      }
    })();
    await joining;
  }

  function position(state: SplitState): number {
    return state.buffer[0]?.position.offset ?? Number(state.fetchOffset);
  }

  function drain(maxRecords: number): RawRecord[] {
    const out: RawRecord[] = [];
    if (revoking) return out;
    const states = [...owned.values()];
    // Rotate the first split so a busy partition cannot starve the others.
    drainFrom = (drainFrom + 1) % Math.max(states.length, 1);
    for (let i = 0; i < states.length && out.length < maxRecords; i++) {
      const state = states[(drainFrom + i) % states.length]!;
      out.push(...state.buffer.splice(0, maxRecords - out.length));
    }
    return out;
  }

  async function fetchOnce(maxWaitMs: number): Promise<void> {
    const states = [...owned.values()];
    const metadata = await consumer.metadata({ topics });
    const byNode = new Map<number, Map<string, { state: SplitState; requested: bigint }[]>>();
    for (const state of states) {
      const topic = metadata.topics.get(state.topic);
      const leader = topic?.partitions[state.partition]?.leader;
      if (!topic || leader === undefined || leader < 0) continue;
      const node = byNode.get(leader) ?? new Map();
      byNode.set(leader, node);
      node.set(topic.id, [...(node.get(topic.id) ?? []), { state, requested: state.fetchOffset }]);
    }
    await Promise.all(
      [...byNode].map(async ([node, byTopicId]) => {
        const request = [...byTopicId].map(([topicId, parts]) => ({
          topicId,
          partitions: parts.map(({ state, requested }) => ({
            partition: state.partition,
            fetchOffset: requested,
            partitionMaxBytes: maxBytesPerPartition,
            currentLeaderEpoch: -1,
            lastFetchedEpoch: -1,
          })),
        }));
        let response: Awaited<ReturnType<typeof consumer.fetch>>;
        try {
          response = await consumer.fetch({
            node,
            topics: request,
            maxWaitTime: maxWaitMs,
            minBytes: 1,
            maxBytes: maxBytesPerPartition * 4,
            isolationLevel: FetchIsolationLevels.READ_COMMITTED,
          });
        } catch (error) {
          if (isKafkaError(error, 'OFFSET_OUT_OF_RANGE')) {
            await resetOutOfRange([...byTopicId.values()].flat());
            return;
          }
          throw error;
        }
        for (const topicResponse of response.responses) {
          for (const partitionResponse of topicResponse.partitions) {
            const asked = byTopicId
              .get(topicResponse.topicId)
              ?.find(({ state }) => state.partition === partitionResponse.partitionIndex);
            if (!asked) continue;
            const { state, requested } = asked;
            // Dropped when the split was revoked or seeked while the fetch was in flight.
            if (
              owned.get(splitName(state.topic, state.partition)) !== state ||
              state.fetchOffset !== requested
            ) {
              continue;
            }
            accept(state, requested, partitionResponse.records ?? []);
          }
        }
      }),
    );
  }

  function accept(
    state: SplitState,
    requested: bigint,
    batches: NonNullable<
      Awaited<ReturnType<typeof consumer.fetch>>['responses'][number]['partitions'][number]['records']
    >,
  ): void {
    const split = splitName(state.topic, state.partition);
    let next = requested;
    for (const batch of batches) {
      const end = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      if (end > next) next = end;
      // Transaction markers take an offset but carry no data.
      if (batch.attributes & IS_CONTROL) continue;
      for (const record of batch.records) {
        const offset = batch.firstOffset + BigInt(record.offsetDelta);
        // A compressed batch can start before the requested offset.
        if (offset < requested) continue;
        const bytes = record.value ? new Uint8Array(record.value) : new Uint8Array(0);
        const timestamp =
          batch.attributes & LOG_APPEND_TIME
            ? batch.maxTimestamp
            : batch.firstTimestamp + record.timestampDelta;
        state.buffer.push({
          bytes,
          text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
          position: { split, offset: Number(offset) },
          timestamp: Number(timestamp),
        });
      }
    }
    state.fetchOffset = next;
  }

  /** A position outside the log (retention deleted it, or a stale checkpoint): clamp it into the log. */
  async function resetOutOfRange(asked: { state: SplitState; requested: bigint }[]): Promise<void> {
    const byTopic = new Map<string, number[]>();
    for (const { state } of asked)
      byTopic.set(state.topic, [...(byTopic.get(state.topic) ?? []), state.partition]);
    const earliest = await listOffsets(byTopic, ListOffsetTimestamps.EARLIEST);
    const latest = await listOffsets(byTopic, ListOffsetTimestamps.LATEST);
    for (const { state, requested } of asked) {
      if (state.fetchOffset !== requested) continue;
      const low = earliest.get(state.topic)?.[state.partition] ?? 0n;
      const high = latest.get(state.topic)?.[state.partition] ?? low;
      if (requested < low) state.fetchOffset = low;
      else if (requested > high) state.fetchOffset = high;
    }
  }

  return {
    assigned: () => [...owned.keys()],

    positions() {
      const out: Record<string, number> = {};
      for (const [split, state] of owned) out[split] = position(state);
      return out;
    },

    async poll(maxRecords, maxWaitMs) {
      checkUsable();
      await ensureJoined();
      await assignWork;
      checkUsable();
      const deadline = Date.now() + Math.max(0, maxWaitMs);
      for (;;) {
        const records = drain(maxRecords);
        if (records.length > 0 || closed) return records;
        const remaining = deadline - Date.now();
        if (remaining <= 0) return records;
        if (owned.size === 0 || revoking) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(remaining, 100)));
        } else {
          try {
            await fetchOnce(Math.min(remaining, 5_000));
          } catch (error) {
            if (closed) return [];
            throw kafkaError(`could not fetch from ${where}`, error);
          }
        }
        await assignWork;
        checkUsable();
      }
    },

    seek(positions) {
      for (const { topic, partition, offset } of parsePositions(positions)) {
        const split = splitName(topic, partition);
        const state = owned.get(split);
        if (state) {
          state.fetchOffset = BigInt(offset);
          state.buffer = [];
        } else {
          pendingSeeks.set(split, offset);
        }
      }
    },

    async commit(positions) {
      checkUsable();
      const offsets = parsePositions(positions).map(({ topic, partition, offset }) => ({
        topic,
        partition,
        offset: BigInt(offset),
        leaderEpoch: -1,
      }));
      if (offsets.length === 0) return;
      await ensureJoined();
      try {
        await consumer.commit({ offsets });
      } catch (error) {
        throw kafkaError(
          `could not commit offsets ${JSON.stringify(positions)} for group "${opts.group}"`,
          error,
        );
      }
    },

    onRevoke(cb) {
      revokeCallbacks.push(cb);
    },

    onAssign(cb) {
      assignCallbacks.push(cb);
    },

    groupMetadata: () => ({
      groupId: opts.group,
      generationId: consumer.generationId,
      memberId: consumer.memberId ?? '',
      coordinatorId: consumer.coordinatorId,
    }),

    generation: () => assignedGeneration,

    ownershipLost() {
      if (owned.size === 0) return null;
      if (closed) return 'the reader is closed';
      if (!consumer.memberId) return `it is no longer a member of group "${opts.group}"`;
      if (consumer.generationId !== assignedGeneration)
        return `group "${opts.group}" moved from generation ${assignedGeneration} to ${consumer.generationId}`;
      const heard = Math.max(assignedAt, consumer.lastHeartbeat?.getTime() ?? 0);
      const silent = Date.now() - heard;
      if (silent > sessionTimeoutMs / 2)
        return `no heartbeat reached group "${opts.group}" for ${(silent / 1000).toFixed(1)} s (session timeout ${sessionTimeoutMs / 1000} s)`;
      return null;
    },

    async committed(splits) {
      const byTopic = new Map<string, number[]>();
      for (const split of splits) {
        const { topic, partition } = parseSplit(split);
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
      }
      const out: Record<string, number> = {};
      if (byTopic.size === 0) return out;
      let committed: Awaited<ReturnType<typeof consumer.listCommittedOffsets>>;
      try {
        committed = await consumer.listCommittedOffsets({
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        });
      } catch (error) {
        throw kafkaError(`could not read the committed offsets of group "${opts.group}"`, error);
      }
      for (const [topic, partitions] of byTopic) {
        for (const partition of partitions) {
          const offset = committed.get(topic)?.[partition];
          if (offset !== undefined && offset >= 0n) out[splitName(topic, partition)] = Number(offset);
        }
      }
      return out;
    },

    async close() {
      if (closed) return;
      closed = true;
      owned = new Map();
      await admin?.close().catch(() => {});
      await consumer.close().catch(() => {});
    },
  };
}

function parseStart(start: KafkaStart): bigint {
  let at: ReturnType<typeof startPosition>;
  try {
    at = startPosition(start);
  } catch (e) {
    throw new Error(`kafka source: start.timestamp ${(e as Error).message}`);
  }
  if (at === 'earliest') return ListOffsetTimestamps.EARLIEST;
  if (at === 'latest') return ListOffsetTimestamps.LATEST;
  return BigInt(at);
}
