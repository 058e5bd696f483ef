// Hive-layout warehouse tables (Text / Parquet / JSON), committed by a rename, partitions registered.
import type { SinkKind } from '../contract.ts';
import { checkHiveSink } from './check.ts';

export const hiveSinks: SinkKind = {
  key: 'hive',
  check: checkHiveSink,
  async create(sinks, ctx) {
    return (await import('./writer.ts')).createHiveWriters(sinks, ctx);
  },
};
