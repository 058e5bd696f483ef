// Job planning: which jobs run for a project, which sinks each job fills and how each delivers.
// One job per source; a Kafka source with `separate_realtime` runs two: the warehouse job (hive
// sinks and the error store, consumer group <group>) and the realtime job (Kafka sinks, group
// <group>.realtime), so a slow warehouse cannot hold back the real-time topics.
import type { Project, ResolvedSink } from '../config/project.ts';

export type KafkaDelivery = 'none' | 'transactions' | 'at-least-once';

export interface JobPlan {
  /** Checkpoint key: the source name, or `<source>.realtime` (source names cannot hold a dot). */
  name: string;
  source: string;
  /** Sinks this job fills (the source's tables' sinks, maybe only one kind). */
  sinks: string[];
  /** Whether this job writes error records (the realtime job leaves them to the warehouse job). */
  errors: boolean;
  /** Kafka consumer group, for a Kafka source. */
  group?: string;
  /**
   * transactions: every sink is a Kafka topic on the source's cluster (and the job writes no
   * warehouse table): rows and source offsets commit in one Kafka transaction per checkpoint.
   * at-least-once: Kafka sinks next to warehouse sinks; rows carry a `weir-record-id` header.
   */
  delivery: KafkaDelivery;
}

export const REALTIME_SUFFIX = '.realtime';

function sinksOfSource(project: Project, source: string): ResolvedSink[] {
  const tables = new Set(project.tables.filter((t) => t.config.source === source).map((t) => t.name));
  return project.sinks.filter((s) => tables.has(s.config.table));
}

function sameCluster(a: string[], b: string[]): boolean {
  const norm = (l: string[]) => new Set(l.map((x) => x.trim().toLowerCase()));
  const x = norm(a);
  return [...norm(b)].some((h) => x.has(h));
}

function deliveryOf(project: Project, source: string, sinks: ResolvedSink[]): KafkaDelivery {
  const kafka = sinks.filter((s) => s.config.kafka);
  if (kafka.length === 0) return 'none';
  const sourceKafka = project.config.sources[source]?.kafka;
  const allKafka = kafka.length === sinks.length;
  const oneCluster =
    sourceKafka !== undefined &&
    kafka.every(
      (s) =>
        sameCluster(s.config.kafka!.brokers, sourceKafka.brokers) &&
        sameCluster(s.config.kafka!.brokers, kafka[0]!.config.kafka!.brokers),
    );
  return allKafka && oneCluster ? 'transactions' : 'at-least-once';
}

/** The jobs of a project, in source order. */
export function planJobs(project: Project): JobPlan[] {
  const jobs: JobPlan[] = [];
  for (const [source, config] of Object.entries(project.config.sources)) {
    const sinks = sinksOfSource(project, source);
    const group = config.kafka?.group;
    if (config.kafka?.separate_realtime) {
      const hive = sinks.filter((s) => !s.config.kafka);
      const kafka = sinks.filter((s) => s.config.kafka);
      jobs.push({
        name: source,
        source,
        sinks: hive.map((s) => s.name),
        errors: true,
        group,
        delivery: 'none',
      });
      if (kafka.length > 0) {
        jobs.push({
          name: `${source}${REALTIME_SUFFIX}`,
          source,
          sinks: kafka.map((s) => s.name),
          errors: false,
          group: `${group}${REALTIME_SUFFIX}`,
          delivery: deliveryOf(project, source, kafka),
        });
      }
      continue;
    }
    jobs.push({
      name: source,
      source,
      sinks: sinks.map((s) => s.name),
      errors: true,
      group,
      delivery: deliveryOf(project, source, sinks),
    });
  }
  return jobs;
}

/** True for the realtime half of a separated source: its table counters repeat the warehouse job's. */
export function isRealtimeJob(job: JobPlan): boolean {
  return job.name.endsWith(REALTIME_SUFFIX);
}
