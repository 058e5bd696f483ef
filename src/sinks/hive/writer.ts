// Hive-layout warehouse tables (Text / Parquet / JSON): one table loader per sink; files roll by
// the sink's `rolling` policy (Parquet files also at every checkpoint); committed by a rename;
// their partitions registered in the catalog (a file kept open registers its partition already).
import { hiveTarget } from '../../config/resolve.ts';
import { sinkColumns } from '../columns.ts';
import type { SinkContext, SinkWriter } from '../contract.ts';
import { fileTarget, partitionsOf, publishFiles } from '../files.ts';
import { rollingOf } from './spec.ts';

export function createHiveWriters(sinks: SinkContext['project']['sinks'], ctx: SinkContext): SinkWriter[] {
  return sinks.map((sink): SinkWriter => {
    const hive = sink.config.hive!;
    // The same resolution as the DDL and validation: a relative `location` is under the project folder.
    const target = hiveTarget(ctx.project, sink.name, hive);
    const files = fileTarget({
      location: target.location,
      columns: sinkColumns(ctx.project, sink.name),
      partitionedBy: hive.partitioned_by,
      format: hive.format,
      compression: hive.compression,
      rolling: rollingOf(hive.rolling),
      filePrefix: ctx.filePrefix,
    });
    const table = {
      database: target.database,
      table: target.table,
      partitioned: hive.partitioned_by.length > 0,
    };
    return {
      sinks: [sink.name],
      write: (_sink, rows) => files.write(rows),
      async prepareCommit({ mode }) {
        const { files: pending, open } = await files.prepareCommit(mode);
        return { files: pending, open, partitions: partitionsOf([...pending, ...open], table) };
      },
      commit: publishFiles,
      abort: () => files.abort(),
      close: async () => {},
    };
  });
}
