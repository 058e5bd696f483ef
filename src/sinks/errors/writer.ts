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
    rolling: { max_bytes: 64 * 1024 * 1024, max_rows: 1_000_000, max_seconds: 3600 },
    filePrefix: ctx.filePrefix,
  });
  return {
    sinks: [], // it loads error records, not a sink's rows
    write: (_sink, rows: Row[]) => files.write(rows),
    // The error store rolls only at checkpoints: few error records, few files.
    prepareCommit: async ({ onlyDue }) => ({
      files: onlyDue ? [] : await files.prepareCommit(false),
      partitions: [],
    }),
    commit: publishFiles,
    abort: () => files.abort(),
    close: async () => {},
  };
}
