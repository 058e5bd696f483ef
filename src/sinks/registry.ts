// Every sink kind Weir has. A new kind is a folder under src/sinks (its config spec, its check and
// its writer) plus its entry in KINDS and one line in the config model's Sink (model.ts).
import type { Project } from '../config/project.ts';
import { consoleSinks } from './console/index.ts';
import type { SinkContext, SinkKind, SinkWriter } from './contract.ts';
import { hiveSinks } from './hive/index.ts';
import { kafkaSinks } from './kafka/index.ts';

const KINDS: SinkKind[] = [hiveSinks, kafkaSinks, consoleSinks];

/** The kind of a sink: the one whose config key it has (`hive`, `kafka`, `console`). */
export function sinkKindOf(sink: Project['sinks'][number]): SinkKind {
  const kind = KINDS.find((k) => (sink.config as Record<string, unknown>)[k.key] !== undefined);
  if (!kind) throw new Error(`sinks.${sink.name}: no sink kind (${KINDS.map((k) => k.key).join(', ')})`);
  return kind;
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
    for (const kind of KINDS) {
      const mine = sinks.filter((s) => sinkKindOf(s) === kind);
      if (mine.length > 0) writers.push(...(await kind.create(mine, ctx)));
    }
  } catch (e) {
    await Promise.allSettled(writers.map((w) => w.close()));
    throw e;
  }
  if (!opts.errors) return { sinks: writers };
  const { createErrorStoreWriter } = await import('./errors/writer.ts');
  return { sinks: writers, errorStore: createErrorStoreWriter(ctx) };
}

export { errorRow, errorStoreFiles, errorStoreLocation } from './errors/store.ts';
