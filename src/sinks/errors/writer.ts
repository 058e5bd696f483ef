// The error store's writer: error records of a batch (source, pipeline and sink errors) as JSON
// lines, committed with the same checkpoint as the rows they were diverted from.
import type { Row } from '../../core/record.ts';
import type { SinkContext, SinkWriter } from '../contract.ts';
import { fileTarget, publishFiles } from '../files.ts';
import { ERROR_COLUMNS, ERROR_PARTITIONS, errorStoreLocation } from './store.ts';

export function createErrorStoreWriter(ctx: SinkContext): SinkWriter {
  const files = fileTarget({
    location: errorStoreLocation(ctx.project.warehouse, ctx.project.config.errors.location),
    columns: ERROR_COLUMNS,
    partitionedBy: ERROR_PARTITIONS,
    format: 'json',
    compression: 'none',
    rolling: ctx.project.config.errors.rolling,
    filePrefix: ctx.filePrefix,
  });
  return {
    sinks: [], // it loads error records, not a sink's rows
    write: (_sink, rows: Row[]) => files.write(rows),
    // Its files stay open across checkpoints like any JSON table's, until errors.rolling closes them.
    prepareCommit: async ({ mode }) => ({ ...(await files.prepareCommit(mode)), partitions: [] }),
    commit: publishFiles,
    abort: () => files.abort(),
    close: async () => {},
  };
}
