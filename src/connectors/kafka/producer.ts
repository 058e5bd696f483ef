// The Kafka sink: an idempotent producer (acks=all), optionally transactional so that rows and
// the source offsets they came from commit together (exactly-once into Kafka).
import { Consumer, Producer } from '@platformatic/kafka';
import type { KafkaGroupMetadata } from './consumer.ts';
import { kafkaError } from './errors.ts';
import { parsePositions } from './split.ts';

export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface KafkaSinkOptions {
  brokers: string[];
  topic: string;
  compression: KafkaCompression;
  /** Makes the sink transactional; the id must be stable per worker (it fences zombie instances). */
  transactional?: { id: string };
  clientId?: string;
}

export interface KafkaMessage {
  /** Another topic than the sink's (one transactional producer writing several topics). */
  topic?: string;
  key?: Buffer | string;
  value: Buffer | string;
  headers?: Record<string, string>;
}

export interface KafkaSink {
  /** Writes messages (inside the open transaction, for a transactional sink); resolves once all are acknowledged. */
  send(msgs: KafkaMessage[], options?: { compression?: KafkaCompression }): Promise<void>;
  beginTransaction(): Promise<void>;
  /**
   * Adds the group's next-offsets (`{ 'topic/partition': offset }`) to the open transaction, so they
   * commit with it. Pass the reader's groupMetadata() to have the broker fence a stale member.
   */
  sendOffsetsToTransaction(
    group: string | KafkaGroupMetadata,
    positions: Record<string, number>,
  ): Promise<void>;
  commitTransaction(): Promise<void>;
  abortTransaction(): Promise<void>;
  close(): Promise<void>;
}

/** The client does not export its Transaction class. */
type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>;

const COMPRESSIONS: readonly KafkaCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function createKafkaSink(opts: KafkaSinkOptions): KafkaSink {
  if (!COMPRESSIONS.includes(opts.compression)) {
    throw new Error(
      `kafka sink: compression must be one of ${COMPRESSIONS.join(', ')}, got "${opts.compression}"`,
    );
  }
  if (!opts.topic) throw new Error('kafka sink: a topic is required');
  const transactionalId = opts.transactional?.id;
  if (opts.transactional && !transactionalId)
    throw new Error('kafka sink: transactional.id must not be empty');
  const where = `topic "${opts.topic}" on ${opts.brokers.join(',')}`;

  const producer = new Producer({
    clientId: opts.clientId ?? `weir-sink-${opts.topic}`,
    bootstrapBrokers: opts.brokers,
    idempotent: true,
    compression: opts.compression,
    // The idempotent producer otherwise retries forever; a dead broker must surface as an error.
    retries: 10,
    retryDelay: 500,
    // -1/-1 asks the broker for a fresh epoch of the transactional id; the client's default (0/0)
    // is refused with PRODUCER_FENCED once the id was used before (a restarted worker).
    ...(transactionalId ? { transactionalId, producerId: -1n, producerEpoch: -1 } : {}),
  });
  let transaction: Transaction | undefined;
  let closed = false;

  function toMessages(msgs: KafkaMessage[]) {
    return msgs.map((m) => ({
      topic: m.topic ?? opts.topic,
      value: Buffer.from(m.value),
      ...(m.key === undefined ? {} : { key: Buffer.from(m.key) }),
      ...(m.headers
        ? { headers: new Map(Object.entries(m.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) }
        : {}),
    }));
  }

  function openTransaction(action: string): Transaction {
    if (!transactionalId) throw new Error(`kafka sink for ${where}: ${action} needs a transactional sink`);
    if (!transaction)
      throw new Error(`kafka sink for ${where}: ${action} needs an open transaction (beginTransaction())`);
    return transaction;
  }

  return {
    async send(msgs, options = {}) {
      if (msgs.length === 0) return;
      if (transactionalId && !transaction) {
        throw new Error(`kafka sink for ${where} is transactional: call beginTransaction() before send()`);
      }
      try {
        const compression = options.compression ? { compression: options.compression } : {};
        if (transaction) await transaction.send({ messages: toMessages(msgs), ...compression });
        else await producer.send({ messages: toMessages(msgs), ...compression });
      } catch (error) {
        throw kafkaError(`could not write ${msgs.length} message(s) to ${where}`, error);
      }
    },

    async beginTransaction() {
      if (!transactionalId)
        throw new Error(`kafka sink for ${where}: beginTransaction() needs a transactional sink`);
      if (transaction) throw new Error(`kafka sink for ${where}: a transaction is already open`);
      try {
        transaction = await producer.beginTransaction();
      } catch (error) {
        throw kafkaError(`could not begin a transaction (id "${transactionalId}") on ${where}`, error);
      }
    },

    async sendOffsetsToTransaction(group, positions) {
      const tx = openTransaction('sendOffsetsToTransaction()');
      const offsets = parsePositions(positions);
      if (offsets.length === 0) return;
      const metadata =
        typeof group === 'string'
          ? { groupId: group, generationId: -1, memberId: '', coordinatorId: await groupCoordinator(group) }
          : { ...group, coordinatorId: group.coordinatorId ?? (await groupCoordinator(group.groupId)) };
      try {
        // The client only reads the group id from the consumer it is given.
        await tx.addConsumer({ groupId: metadata.groupId } as Consumer);
        for (const { topic, partition, offset } of offsets) {
          // addOffset commits message.offset + 1, i.e. the offset after the last consumed message.
          await tx.addOffset({
            topic,
            partition,
            offset: BigInt(offset) - 1n,
            metadata: { consumer: metadata },
          } as unknown as Parameters<Transaction['addOffset']>[0]);
        }
      } catch (error) {
        throw kafkaError(
          `could not add offsets of group "${metadata.groupId}" to the transaction on ${where}`,
          error,
        );
      }
    },

    async commitTransaction() {
      const tx = openTransaction('commitTransaction()');
      try {
        await tx.commit();
        transaction = undefined;
      } catch (error) {
        throw kafkaError(`could not commit the transaction (id "${transactionalId}") on ${where}`, error);
      }
    },

    async abortTransaction() {
      const tx = openTransaction('abortTransaction()');
      try {
        await tx.abort();
        transaction = undefined;
      } catch (error) {
        throw kafkaError(`could not abort the transaction (id "${transactionalId}") on ${where}`, error);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      if (transaction) {
        await transaction.abort().catch(() => {});
        transaction = undefined;
      }
      await producer.close();
    },
  };

  async function groupCoordinator(groupId: string): Promise<number> {
    const lookup = new Consumer({
      clientId: 'weir-coordinator-lookup',
      groupId,
      bootstrapBrokers: opts.brokers,
    });
    try {
      return await lookup.findGroupCoordinator();
    } catch (error) {
      throw kafkaError(`could not find the coordinator of group "${groupId}"`, error);
    } finally {
      await lookup.close().catch(() => {});
    }
  }
}
