// Compaction of a project's warehouse tables and error store (the protocol: src/connectors/
// warehouse/compaction.ts): which partitions, with which settings, found by readers where.
// Warehouse tables are read through the catalog (a partition's location); the error store through
// its own location file (errors/store.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from '../config/project.ts';
import { hiveTarget } from '../config/resolve.ts';
import type { Catalog } from '../connectors/warehouse/catalog.ts';
import {
  type CompactionResult,
  type CompactionSettings,
  committedFiles,
  lastWrite,
  listLedgers,
  lockTableCompaction,
  type Merged,
  mergePartition,
  type PartitionLocator,
  type PartitionTarget,
  settle,
  swap,
} from '../connectors/warehouse/compaction.ts';
import type { WarehouseFormat } from '../connectors/warehouse/data-file.ts';
import { partitionDir } from '../connectors/warehouse/paths.ts';
import { errorPartitions, errorStoreLocation, setErrorPartitionLocation } from './errors/store.ts';
import { Compaction, type CompactionConfig } from './hive/spec.ts';

export type { CompactionResult } from '../connectors/warehouse/compaction.ts';

/** The compaction folder of a table (ledgers, detour folders); readers skip `_` names. */
export const COMPACTIONS_DIR = '_weir_compactions';

/** What can be compacted: a warehouse table (by its sink's name) or the error store. */
export interface CompactionTable {
  /** The sink's name, or `errors` for the error store. */
  name: string;
  /** `database.table`, or `error store`. */
  label: string;
  format: WarehouseFormat;
  location: string;
  partitionedBy: string[];
  settings: CompactionConfig;
  /** Whether its config asks for background compaction. */
  configured: boolean;
  partitions(): Promise<PartitionTarget[]>;
  locator(values: Record<string, string>, rel: string): PartitionLocator;
}

const DEFAULTS = Compaction.parse({});

function hiveTables(project: Project, catalog: Catalog): CompactionTable[] {
  return project.sinks.flatMap((sink) => {
    const hive = sink.config.hive;
    if (!hive) return [];
    const t = hiveTarget(project, sink.name, hive);
    const label = `${t.database}.${t.table}`;
    const partitioned = hive.partitioned_by.length > 0;
    const locator = (values: Record<string, string>): PartitionLocator =>
      partitioned
        ? {
            get: async () =>
              (await catalog.getTable(t.database, t.table))?.partitions.find((p) =>
                hive.partitioned_by.every((k) => p.values[k] === values[k]),
              )?.location,
            set: (location) => catalog.setPartitionLocation(t.database, t.table, values, location),
          }
        : {
            get: async () => (await catalog.getTable(t.database, t.table))?.location,
            set: async (location) => {
              const { partitions: _, ...definition } = (await catalog.getTable(t.database, t.table))!;
              await catalog.registerTable({ ...definition, location });
            },
          };
    const table: CompactionTable = {
      name: sink.name,
      label,
      format: hive.format,
      location: t.location,
      partitionedBy: hive.partitioned_by,
      settings: hive.compaction ?? DEFAULTS,
      configured: hive.compaction?.background ?? false,
      locator,
      async partitions() {
        if (!partitioned) return [{ ...base(table, {}, ''), dir: t.location }];
        const registered = (await catalog.getTable(t.database, t.table))?.partitions ?? [];
        return registered.map((p) => {
          const rel = partitionDir(
            hive.partitioned_by,
            hive.partitioned_by.map((k) => p.values[k] ?? null),
          );
          return { ...base(table, p.values, rel), listedAt: p.location };
        });
      },
    };
    return [table];
  });
}

function base(table: CompactionTable, values: Record<string, string>, rel: string): PartitionTarget {
  return {
    table: table.label,
    format: table.format,
    values,
    dir: rel === '' ? table.location : join(table.location, rel),
    rel,
    locator: table.locator(values, rel),
    home: join(table.location, COMPACTIONS_DIR),
  };
}

function errorStore(project: Project): CompactionTable {
  const location = errorStoreLocation(project.warehouse, project.config.errors.location);
  const table: CompactionTable = {
    name: 'errors',
    label: 'error store',
    format: 'json',
    location,
    partitionedBy: ['dt', 'code'],
    settings: project.config.errors.compaction ?? DEFAULTS,
    configured: project.config.errors.compaction?.background ?? false,
    locator: (_values, rel) => ({
      get: async () => (await errorPartitions(location)).find((p) => p.rel === rel)?.location,
      set: (to) => setErrorPartitionLocation(location, rel, to),
    }),
    async partitions() {
      return (await errorPartitions(location)).map((p) => ({
        ...base(table, p.values, p.rel),
        listedAt: p.location,
      }));
    },
  };
  return table;
}

/** Every table of the project that can be compacted, the error store last. */
export function compactionTables(project: Project, catalog: Catalog): CompactionTable[] {
  return [...hiveTables(project, catalog), errorStore(project)];
}

export class CompactionBusyError extends Error {}

export interface CompactOptions {
  /** Only partitions whose values match (e.g. { dt: ['2026-12-01'] }). */
  partitions?: Record<string, string[]>;
  /** Overrides of the tables' settings (weir compact flags). */
  settings?: Partial<CompactionSettings>;
  /** Only partitions that received no rows for this long (background compaction). */
  quietSeconds?: number;
  onResult?: (r: CompactionResult) => void;
  now?: number;
}

/**
 * Compacts the partitions of `table` that are due: first finishes what a crash left, then merges.
 * Holds the table's compaction lock throughout (one compaction of a table at a time).
 */
export async function compactTable(
  table: CompactionTable,
  opts: CompactOptions = {},
): Promise<CompactionResult[]> {
  const settings = { ...table.settings, ...opts.settings };
  const home = join(table.location, COMPACTIONS_DIR);
  const release = await lockTableCompaction(home);
  if (!release)
    throw new CompactionBusyError(
      `another compaction of ${table.label} is running; try again when it is done`,
    );
  const results: CompactionResult[] = [];
  const merged: Merged[] = [];
  try {
    await settle(home, (l) => table.locator(l.values, l.rel), settings.grace_seconds, opts.now);
    for (const p of await table.partitions()) {
      const wanted = Object.entries(opts.partitions ?? {}).every(([k, vs]) => vs.includes(p.values[k] ?? ''));
      if (!wanted) continue;
      if (opts.quietSeconds !== undefined) {
        const last = await lastWrite(p.dir);
        if ((opts.now ?? Date.now()) - last < opts.quietSeconds * 1000) continue;
      }
      merged.push(...(await mergePartition(p, settings)));
    }
    const done = new Set(await swap(home, merged, settings.grace_seconds));
    // With no grace (or a short one past), the detour folders go now rather than next time.
    await settle(home, (l) => table.locator(l.values, l.rel), settings.grace_seconds);
    for (const m of merged) {
      if (!done.has(m.ledger)) continue;
      results.push(m.result);
      opts.onResult?.(m.result);
    }
  } finally {
    await release();
  }
  return results;
}

/** Finishes crashed compactions of every table and deletes detour folders past their grace. */
export async function settleCompactions(project: Project, catalog: Catalog): Promise<void> {
  for (const table of compactionTables(project, catalog)) {
    const home = join(table.location, COMPACTIONS_DIR);
    // Never compacted: nothing to settle (a compaction makes this folder before its first ledger).
    if (!existsSync(home)) continue;
    const release = await lockTableCompaction(home);
    if (!release) continue; // being compacted: that compaction settles it
    try {
      await settle(home, (l) => table.locator(l.values, l.rel), table.settings.grace_seconds);
    } finally {
      await release();
    }
  }
}

/**
 * Background compaction for `weir run`: every table whose config sets `compaction` (background
 * not false) is compacted once a partition got no rows for quiet_seconds. A table another process
 * is compacting is skipped that round. Returns a stop function that waits for the round in progress.
 */
export function startBackgroundCompaction(
  project: Project,
  catalog: Catalog,
  log: (line: string) => void,
): () => Promise<void> {
  const tables = compactionTables(project, catalog).filter((t) => t.configured);
  if (tables.length === 0) return async () => {};
  const everyMs =
    Math.min(60, Math.max(1, Math.min(...tables.map((t) => t.settings.quiet_seconds)) / 2)) * 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  const once = async () => {
    for (const table of tables) {
      if (stopped) return;
      try {
        await compactTable(table, {
          quietSeconds: table.settings.quiet_seconds,
          onResult: (r) =>
            log(
              `weir: compacted ${r.table} ${
                Object.entries(r.values)
                  .map(([k, v]) => `${k}=${v}`)
                  .join('/') || '(table)'
              }: ${r.inputs} files → ${r.outputs}`,
            ),
        });
      } catch (e) {
        if (!(e instanceof CompactionBusyError))
          log(`weir: compaction of ${table.label} failed: ${(e as Error).message}`);
      }
    }
  };
  const schedule = () => {
    timer = setTimeout(() => {
      round = once().finally(() => {
        if (!stopped) schedule();
      });
    }, everyMs);
    timer.unref();
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await round;
  };
}

export interface TableFiles {
  table: string;
  partitions: number;
  files: number;
  bytes: number;
  /** The most files in one partition. */
  maxPerPartition: number;
  /** Compactions begun and not finished swapping (a rerun of weir compact or weir run finishes them). */
  unfinished: number;
}

/** What readers see of a table now: committed files per partition and their sizes (weir status). */
export async function tableFiles(table: CompactionTable): Promise<TableFiles> {
  const out: TableFiles = {
    table: table.label,
    partitions: 0,
    files: 0,
    bytes: 0,
    maxPerPartition: 0,
    unfinished: 0,
  };
  for (const p of await table.partitions()) {
    const files = await committedFiles(p.listedAt ?? (await p.locator.get()) ?? p.dir);
    if (files.length === 0) continue;
    out.partitions++;
    out.files += files.length;
    out.bytes += files.reduce((n, f) => n + f.bytes, 0);
    out.maxPerPartition = Math.max(out.maxPerPartition, files.length);
  }
  out.unfinished = (await listLedgers(join(table.location, COMPACTIONS_DIR))).filter(
    (l) => l.step !== 'swapped',
  ).length;
  return out;
}
