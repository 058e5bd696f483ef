// The warehouse side of starting a run: every hive sink's table registered in the catalog, and
// whatever a crash interrupted completed from the last manifests (their files published and
// partitions registered, both idempotent); in-progress files no manifest names are deleted.
import { basename } from 'node:path';
import type { Project } from '../config/project.ts';
import { hiveTarget } from '../config/resolve.ts';
import { type Catalog, localCatalog } from '../connectors/warehouse/catalog.ts';
import { commitFiles, deleteOrphans, publishPrefixes } from '../connectors/warehouse/commit.ts';
import { printType } from '../types/print.ts';
import { sinkColumns } from './columns.ts';
import type { PartitionRef, PendingFileRef } from './contract.ts';
import { errorStoreLocation } from './errors/store.ts';

export type { Catalog } from '../connectors/warehouse/catalog.ts';
// Where a partition's files sit under a table's location (weir backfill swaps partitions).
export { partitionDir } from '../connectors/warehouse/paths.ts';
// Compaction of the warehouse tables and the error store (weir run compacts in the background).
export { settleCompactions, startBackgroundCompaction } from './compaction.ts';

interface WarehouseTable {
  sink: string;
  database: string;
  table: string;
  location: string;
  partitionedBy: string[];
}

/** The warehouse tables of these sinks (hive sinks), resolved as the DDL and validation resolve them. */
function warehouseTables(project: Project, sinks: Project['sinks']): WarehouseTable[] {
  return sinks.flatMap((sink) => {
    const hive = sink.config.hive;
    if (!hive) return [];
    const target = hiveTarget(project, sink.name, hive);
    return [
      {
        sink: sink.name,
        database: target.database,
        table: target.table,
        location: target.location,
        partitionedBy: hive.partitioned_by,
      },
    ];
  });
}

/** Opens the project's catalog with every hive sink's table registered (idempotent; columns follow the schema). */
export async function registerTables(project: Project): Promise<Catalog> {
  const catalog = localCatalog(project.warehouse);
  for (const t of warehouseTables(project, project.sinks)) {
    const sink = project.sinks.find((s) => s.name === t.sink)!.config.hive!;
    await catalog.registerTable({
      database: t.database,
      table: t.table,
      location: t.location,
      format: sink.format,
      columns: sinkColumns(project, t.sink).map((c) => ({ name: c.name, type: printType(c.type) })),
      partitionedBy: t.partitionedBy,
    });
  }
  return catalog;
}

/**
 * A worker's next attempt after a failure: the files its last manifest kept open get their
 * committed prefix published (the failed attempt left them unpublished; see TableLoader.abort).
 */
export async function publishOpenFiles(open: PendingFileRef[]): Promise<void> {
  await publishPrefixes(open, { replay: true });
}

/** Adds partitions to the catalog, one call per table. */
export async function registerPartitions(catalog: Catalog, partitions: PartitionRef[]): Promise<void> {
  const byTable = new Map<string, PartitionRef[]>();
  for (const p of partitions) {
    const key = `${p.database}.${p.table}`;
    byTable.set(key, [...(byTable.get(key) ?? []), p]);
  }
  for (const list of byTable.values()) {
    await catalog.addPartitions(
      list[0]!.database,
      list[0]!.table,
      list.map((p) => ({ values: p.values, location: p.location })),
    );
  }
}

/**
 * Completes the last manifests' commits and deletes orphaned in-progress files of the project's
 * warehouse tables and error store; `spare(name)`: in-progress files of runs still going.
 */
export async function recoverSinks(
  project: Project,
  catalog: Catalog,
  manifests: { pending: PendingFileRef[]; open?: PendingFileRef[]; partitions: PartitionRef[] }[],
  spare: (fileName: string) => boolean,
): Promise<void> {
  for (const manifest of manifests) {
    // Files committed before the crash may have been compacted since: gone is fine (replay).
    await commitFiles(manifest.pending, { replay: true });
    // A file a live run still writes is its own to publish.
    await publishPrefixes(
      (manifest.open ?? []).filter((f) => !spare(basename(f.inProgress))),
      { replay: true },
    );
    await registerPartitions(catalog, manifest.partitions);
  }
  const locations = new Set<string>([errorStoreLocation(project.warehouse, project.config.errors.location)]);
  for (const t of warehouseTables(project, project.sinks)) locations.add(t.location);
  for (const location of locations) await deleteOrphans(location, new Set(), spare);
}
