// A Kafka source's config, checked by the code that uses it (no Kafka client loaded), so
// `weir validate` refuses what the consumer would refuse at start.
import type { SourceConfig } from '../../config/model.ts';

type KafkaSourceConfig = NonNullable<SourceConfig['kafka']>;
type KafkaStart = KafkaSourceConfig['start'];

/** `start` as epoch milliseconds (`earliest` / `latest` as they are); throws a plain message. */
export function startPosition(start: KafkaStart): 'earliest' | 'latest' | number {
  if (start === 'earliest' || start === 'latest') return start;
  const raw = start.timestamp;
  const ms = typeof raw === 'number' ? raw : Date.parse(raw);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new Error(
      `must be epoch milliseconds or an ISO date-time like 2026-11-25T10:00:00Z, got ${JSON.stringify(raw)}`,
    );
  }
  return Math.trunc(ms);
}

/** Problems at paths under the source's `kafka`. */
export function kafkaSourceProblems(cfg: KafkaSourceConfig): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = [];
  if (cfg.format === 'avro' && cfg.registry === undefined) {
    problems.push({ path: ['registry'], message: 'required when format is avro (the schema registry URL)' });
  }
  try {
    startPosition(cfg.start);
  } catch (e) {
    problems.push({ path: ['start', 'timestamp'], message: (e as Error).message });
  }
  return problems;
}
