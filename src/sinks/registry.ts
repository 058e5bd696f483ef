// Every sink kind Weir has. A new kind is a folder under src/sinks (its config spec and its
// writer) plus one line here and one in the config model's Sink (model.ts).
import type { Project } from '../config/project.ts';
import { consoleSinks } from './console/writer.ts';
import type { SinkContext, SinkKind, SinkWriter } from './contract.ts';
import { createErrorStoreWriter } from './errors/writer.ts';
import { hiveSinks } from './hive/writer.ts';

type Loader = () => Promise<SinkKind>;

const KINDS: Record<string, Loader> = {
  hive: async () => hiveSinks,
  // The Kafka client costs ~1 s of start-up per worker: loaded only by jobs with Kafka sinks.
  kafka: async () => (await import('./kafka/writer.ts')).kafkaSinks,
  console: async () => consoleSinks,
};

/** The config key of a sink's kind (`hive`, `kafka`, `console`). */
export function sinkKindOf(sink: Project['sinks'][number]): string {
  const key = Object.keys(KINDS).find((k) => (sink.config as Record<string, unknown>)[k] !== undefined);
  if (!key) throw new Error(`sinks.${sink.name}: no sink kind (${Object.keys(KINDS).join(', ')})`);
  return key;
}

/**
 * The writers of these sinks, kind by kind, and the error store's writer (when `errors`). A kind
 * that fails to start closes the writers already made.
 */
export async function createSinkWriters(
  sinks: Project['sinks'],
  ctx: SinkContext,
  opts: { errors: boolean },
): Promise<{ sinks: SinkWriter[]; errorStore?: SinkWriter }> {
  const writers: SinkWriter[] = [];
  try {
    for (const [key, load] of Object.entries(KINDS)) {
      const mine = sinks.filter((s) => sinkKindOf(s) === key);
      if (mine.length > 0) writers.push(...(await (await load()).create(mine, ctx)));
    }
  } catch (e) {
    await Promise.allSettled(writers.map((w) => w.close()));
    throw e;
  }
  return opts.errors ? { sinks: writers, errorStore: createErrorStoreWriter(ctx) } : { sinks: writers };
}

export { errorRow } from './errors/store.ts';
