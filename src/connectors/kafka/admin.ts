// Topic administration: create, delete, and read per-partition offsets.
import { Admin, FetchIsolationLevels, ListOffsetTimestamps } from '@platformatic/kafka';
import { isKafkaError, kafkaError } from './errors.ts';

export interface SplitOffsets {
  /** First offset still in the log. */
  earliest: number;
  /** The high watermark: the offset the next message will get. */
  latest: number;
}

async function withAdmin<T>(brokers: string[], fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: 'weir-admin', bootstrapBrokers: brokers });
  try {
    return await fn(admin);
  } finally {
    await admin.close().catch(() => {});
  }
}

/**
 * Creates `topic` with `partitions` partitions (replication factor: the broker default).
 * Returns false, doing nothing, when the topic already exists.
 */
export async function createTopic(
  brokers: string[],
  topic: string,
  partitions: number,
  replication = -1,
): Promise<boolean> {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new Error(`a topic needs at least 1 partition, got ${partitions}`);
  }
  return withAdmin(brokers, async (admin) => {
    try {
      await admin.createTopics({ topics: [topic], partitions, replicas: replication });
      return true;
    } catch (error) {
      if (isKafkaError(error, 'TOPIC_ALREADY_EXISTS')) return false;
      throw kafkaError(`could not create Kafka topic "${topic}" on ${brokers.join(',')}`, error);
    }
  });
}

/** Whether `topic` exists (throws when the brokers cannot be asked). */
export async function topicExists(brokers: string[], topic: string): Promise<boolean> {
  return withAdmin(brokers, async (admin) => {
    try {
      return (await admin.listTopics()).includes(topic);
    } catch (error) {
      throw kafkaError(`could not list the Kafka topics on ${brokers.join(',')}`, error);
    }
  });
}

/** Deletes `topic`; returns false when there was no such topic. */
export async function deleteTopic(brokers: string[], topic: string): Promise<boolean> {
  return withAdmin(brokers, async (admin) => {
    try {
      // Checked first: the client retries UNKNOWN_TOPIC_OR_PARTITION for seconds before giving up.
      if (!(await admin.listTopics()).includes(topic)) return false;
      await admin.deleteTopics({ topics: [topic] });
      return true;
    } catch (error) {
      if (isKafkaError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) return false;
      throw kafkaError(`could not delete Kafka topic "${topic}" on ${brokers.join(',')}`, error);
    }
  });
}

/** Earliest and latest offsets of every partition of `topic`, keyed by split (`topic/partition`). */
export async function topicOffsets(brokers: string[], topic: string): Promise<Record<string, SplitOffsets>> {
  return withAdmin(brokers, async (admin) => {
    try {
      const metadata = await admin.metadata({ topics: [topic] });
      const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
      const list = async (timestamp: bigint) => {
        const partitions = Array.from({ length: count }, (_, partitionIndex) => ({
          partitionIndex,
          timestamp,
        }));
        const [listed] = await admin.listOffsets({
          topics: [{ name: topic, partitions }],
          isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
        });
        return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.offset)]));
      };
      const earliest = await list(ListOffsetTimestamps.EARLIEST);
      const latest = await list(ListOffsetTimestamps.LATEST);
      const offsets: Record<string, SplitOffsets> = {};
      for (let partition = 0; partition < count; partition++) {
        offsets[`${topic}/${partition}`] = {
          earliest: earliest.get(partition) ?? 0,
          latest: latest.get(partition) ?? 0,
        };
      }
      return offsets;
    } catch (error) {
      throw kafkaError(`could not read the offsets of Kafka topic "${topic}" on ${brokers.join(',')}`, error);
    }
  });
}
