// The `kafka` scenario: Kafka → Parquet on the local broker. Skipped (with a printed reason) when no
// broker answers at WEIR_KAFKA_BROKERS (comma-separated host:port) or localhost:9092.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTopic, deleteTopic, topicOffsets } from '../../src/connectors/kafka/admin.ts';
import { createKafkaSink } from '../../src/connectors/kafka/producer.ts';
import type { InputFile } from './input.ts';
import { countPartFiles, RUN_CHILD, runChild, type Sample } from './measure.ts';
import { writeProject } from './projects.ts';

export function kafkaBrokers(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env['WEIR_KAFKA_BROKERS']?.trim();
  return raw
    ? raw
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean)
    : ['localhost:9092'];
}

/** True when a TCP connection to any of the brokers opens within `timeoutMs`. */
export async function brokerReachable(brokers: string[], timeoutMs = 1000): Promise<boolean> {
  const tryOne = (broker: string) =>
    new Promise<boolean>((resolve) => {
      const colon = broker.lastIndexOf(':');
      const host = colon > 0 ? broker.slice(0, colon) : broker;
      const port = colon > 0 ? Number(broker.slice(colon + 1)) : 9092;
      const socket = connect({ host, port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
  for (const b of brokers) if (await tryOne(b)) return true;
  return false;
}

export type KafkaOutcome = { skipped: string } | { samples: Sample[] };

/**
 * Kafka → Parquet: `input`'s lines are produced once to topic `weir-bench-<records>` (4 partitions;
 * reused when it already holds them); every repetition runs the `kafka` project over it with a
 * fresh consumer group in a child, stopping at the end offsets seen at start (`until-end`).
 */
export async function runKafkaScenario(
  input: InputFile,
  repeat: number,
  brokers: string[] = kafkaBrokers(),
): Promise<KafkaOutcome> {
  if (!(await brokerReachable(brokers))) {
    return {
      skipped: `no Kafka broker at ${brokers.join(', ')} (start one with \`node scripts/kafka.ts start\` or set WEIR_KAFKA_BROKERS)`,
    };
  }
  const topic = `weir-bench-${input.records}`;
  await fillTopic(brokers, topic, input);
  const samples: Sample[] = [];
  for (let i = 0; i < repeat; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'weir-bench-kafka-'));
    try {
      const group = `weir-bench-${Date.now().toString(36)}-${i}`;
      await writeProject(dir, 'kafka', { brokers, topic, group });
      const result = await runChild(RUN_CHILD, [dir, '2048', 'until-end']);
      samples.push({ ...result, bytes: input.bytes, files: await countPartFiles(join(dir, 'warehouse')) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { samples };
}

async function fillTopic(brokers: string[], topic: string, input: InputFile): Promise<void> {
  await createTopic(brokers, topic, 4);
  const offsets = await topicOffsets(brokers, topic);
  const held = Object.values(offsets).reduce((n, o) => n + o.latest - o.earliest, 0);
  if (held >= input.records) return;
  if (held > 0) {
    await deleteTopic(brokers, topic);
    await createTopic(brokers, topic, 4);
  }
  const sink = createKafkaSink({ brokers, topic, compression: 'lz4' });
  try {
    const lines = createInterface({
      input: createReadStream(input.path),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let chunk: { value: string; key: string }[] = [];
    let n = 0;
    for await (const line of lines) {
      if (line === '') continue;
      chunk.push({ key: String(n++), value: line });
      if (chunk.length === 5000) {
        await sink.send(chunk);
        chunk = [];
      }
    }
    await sink.send(chunk);
  } finally {
    await sink.close();
  }
}
