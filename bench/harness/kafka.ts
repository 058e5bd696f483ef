// The `kafka` scenario: Kafka → Parquet on the local broker. Skipped (with a printed reason) when no
// broker answers at WEIR_KAFKA_BROKERS (comma-separated host:port) or localhost:9092.
import { connect } from 'node:net';
import type { InputFile } from './input.ts';
import type { Sample } from './measure.ts';

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
 * ─── KAFKA SCENARIO: TO BE COMPLETED when src/connectors/kafka/ and scripts/kafka.ts land ───
 * Plan:
 *   1. produce `input`'s lines once to topic `weir-bench-<records>` (skip when the topic already
 *      holds `input.records` messages), with the Kafka connector's producer;
 *   2. for each repetition: writeProject(dir, 'kafka', { brokers, topic, group: <fresh id> })
 *      (projects.ts already builds that weir.yaml) and run it in a child like the other scenarios,
 *      with the runner stopping once the consumer group has reached the topic's end offsets
 *      (the runtime needs a "stop at end" mode for Kafka sources);
 *   3. return the samples; the harness does the rest.
 * Until then a reachable broker still yields a skip with the reason below.
 */
export async function runKafkaScenario(
  _input: InputFile,
  _repeat: number,
  brokers: string[] = kafkaBrokers(),
): Promise<KafkaOutcome> {
  if (!(await brokerReachable(brokers))) {
    return {
      skipped: `no Kafka broker at ${brokers.join(', ')} (start one with \`node scripts/kafka.ts start\` or set WEIR_KAFKA_BROKERS)`,
    };
  }
  return { skipped: 'the runtime cannot run a Kafka source to its end yet (see bench/harness/kafka.ts)' };
}
