// Shared by the sinks that write warehouse files (hive tables, the error store): a table loader
// behind the writer contract. Refused rows are collected per write and returned with their index.

import { commitFiles } from '../connectors/warehouse/commit.ts';
import { createTableLoader, type TableLoaderSpec } from '../connectors/warehouse/loader.ts';
import type { StageError } from '../core/errors.ts';
import type { Row } from '../core/record.ts';
import type { CommitMode, Committables, PartitionRef, PendingFileRef, RowError } from './contract.ts';

export interface FileTarget {
  write(rows: Row[]): Promise<RowError[]>;
  /** Closed files ready to commit, and (at checkpoints) the files kept open with their committed length. */
  prepareCommit(mode: CommitMode): Promise<{ files: PendingFileRef[]; open: PendingFileRef[] }>;
  abort(): Promise<void>;
}

export function fileTarget(spec: Omit<TableLoaderSpec, 'onRowError'>): FileTarget {
  let batch: Row[] = [];
  let refused: RowError[] = [];
  const loader = createTableLoader({
    ...spec,
    // Rare (e.g. a partition value too long for a path): the index is looked up only then.
    onRowError: (row: Row, error: StageError) => refused.push({ index: batch.indexOf(row), error }),
  });
  return {
    async write(rows) {
      batch = rows;
      refused = [];
      try {
        await loader.write(rows);
        return refused;
      } finally {
        batch = [];
      }
    },
    async prepareCommit(mode) {
      const files = await loader.prepareCommit({
        onlyDue: mode === 'batch',
        keepOpen: mode === 'checkpoint',
      });
      return { files, open: mode === 'checkpoint' ? await loader.checkpointOpen() : [] };
    },
    abort: () => loader.abort(),
  };
}

/** The partitions a table's committed files add, one per partition folder (none for an unpartitioned table). */
export function partitionsOf(
  files: PendingFileRef[],
  table: { database: string; table: string; partitioned: boolean },
): PartitionRef[] {
  if (!table.partitioned) return [];
  const seen = new Map<string, PartitionRef>();
  for (const f of files) {
    const location = f.final.slice(0, f.final.lastIndexOf('/'));
    if (!seen.has(location))
      seen.set(location, { database: table.database, table: table.table, values: f.partition, location });
  }
  return [...seen.values()];
}

/** Second phase of every file-writing sink: rename the in-progress files to their final names. */
export async function publishFiles(c: Committables): Promise<void> {
  await commitFiles(c.files);
}
