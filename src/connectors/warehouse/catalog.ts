// The local catalog under <warehouse>/_catalog/: per table, a definition file (<db>.<table>.json,
// replaced atomically) and a log folder (<db>.<table>.log/) where every commit adds one new file of
// partitions. Adding files never races, so processes and machines sharing a warehouse lose nothing
// (a rewritten partition list did: last writer wins); reading merges the definition with the log.
// Updated only at commit, so readers never see uncommitted files.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { listDir, writeFileAtomic } from '../../core/fs.ts';
import {
  LOG_FORMAT_VERSION,
  type LogEntry,
  logEntry,
  parseCatalogFile,
  TABLE_FORMAT_VERSION,
  type TableFile,
  tableFile,
} from './catalog-files.ts';
import { tableLocation } from './paths.ts';

export interface CatalogColumn {
  name: string;
  /**
   * The logical type as printType (src/types) prints it, e.g. ``ARRAY<ROW<`id` INT, `n` BIGINT>>``;
   * parseType also reads the unquoted form older catalogs hold (`ROW<id INT>`, `DECIMAL(10,2)`).
   */
  type: string;
}

export interface CatalogPartition {
  /** Partition column → value text (`__HIVE_DEFAULT_PARTITION__` for null). */
  values: Record<string, string>;
  location: string;
}

export interface CatalogTable {
  database: string;
  table: string;
  location: string;
  format: 'parquet' | 'json' | 'text';
  /** Every column in table order, partition columns included. */
  columns: CatalogColumn[];
  partitionedBy: string[];
  partitions: CatalogPartition[];
}

export type TableRegistration = Omit<CatalogTable, 'partitions'>;

export interface Catalog {
  /** Creates the table entry, or updates its definition keeping its partitions. */
  registerTable(t: TableRegistration): Promise<void>;
  /** Adds partitions not yet registered (idempotent); returns how many were new. */
  addPartitions(database: string, table: string, partitions: CatalogPartition[]): Promise<number>;
  /** Points an existing (or new) partition at another location, e.g. a backfill's staging copy. */
  setPartitionLocation(
    database: string,
    table: string,
    values: Record<string, string>,
    location: string,
  ): Promise<void>;
  listTables(): Promise<CatalogTable[]>;
  getTable(database: string, table: string): Promise<CatalogTable | undefined>;
}

export function catalogDir(warehouse: string): string {
  return join(resolve(warehouse), '_catalog');
}

function partitionKey(partitionedBy: string[], values: Record<string, string>): string {
  return JSON.stringify(partitionedBy.map((k) => values[k] ?? null));
}

/** Log files a table may gather before a commit folds them into one (reads stay cheap). */
export const COMPACT_AT = 64;

let sequence = 0;
/** Sorts by time; ties within a millisecond keep this process's order. */
function stamp(): string {
  return `${Date.now().toString(36).padStart(10, '0')}-${(sequence++ % 1e6).toString(36).padStart(4, '0')}-${randomBytes(4).toString('hex')}`;
}

interface Merged {
  values: Record<string, string>;
  location: string;
  set: boolean;
  at: string;
}

/**
 * Merges a partition into the state, in any order with the same result: the latest set location wins;
 * without one, the earliest added location (adding a known partition changes nothing).
 */
function merge(state: Map<string, Merged>, key: string, p: Merged): void {
  const known = state.get(key);
  if (!known || (p.set && (!known.set || p.at > known.at)) || (!p.set && !known.set && p.at < known.at)) {
    state.set(key, p);
  }
}

/** Merges every log entry; a partition without its own time takes its file's (the file name). */
function mergeLog(state: Map<string, Merged>, partitionedBy: string[], log: Map<string, LogEntry>): void {
  for (const [name, entry] of log) {
    const at = name.slice(0, -'.json'.length);
    for (const p of entry.partitions) {
      merge(state, partitionKey(partitionedBy, p.values), {
        values: p.values,
        location: p.location,
        set: p.set ?? false,
        at: p.at ?? at,
      });
    }
  }
}

/** The local catalog of the warehouse at `warehouse`. Writes are serialized per catalog object. */
export function localCatalog(warehouse: string): Catalog {
  const dir = catalogDir(warehouse);
  const fileOf = (database: string, table: string) => {
    tableLocation(warehouse, database, table); // validates both names
    return join(dir, `${database}.${table}.json`);
  };
  const logOf = (database: string, table: string) => join(dir, `${database}.${table}.log`);
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  const readText = async (path: string): Promise<string | undefined> => {
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  };
  const readDefinition = async (database: string, table: string): Promise<TableFile | undefined> => {
    const path = fileOf(database, table);
    const text = await readText(path);
    if (text === undefined) return undefined;
    return parseCatalogFile(path, text, tableFile, { current: TABLE_FORMAT_VERSION, absentMeans: 1 });
  };
  /** The log's entries by file name; undefined when a file vanished under us (another compaction). */
  // A log file never changes once written, so each is read once per catalog object.
  const seen = new Map<string, LogEntry>();
  const readLog = async (database: string, table: string): Promise<Map<string, LogEntry> | undefined> => {
    const log = logOf(database, table);
    const entries = new Map<string, LogEntry>();
    for (const name of (await listDir(log)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
      const path = join(log, name);
      let entry = seen.get(path);
      if (!entry) {
        const text = await readText(path);
        if (text === undefined) return undefined;
        entry = parseCatalogFile(path, text, logEntry, { current: LOG_FORMAT_VERSION });
        seen.set(path, entry);
      }
      entries.set(name, entry);
    }
    for (const path of seen.keys()) {
      if (path.startsWith(`${log}/`) && !entries.has(path.slice(log.length + 1))) seen.delete(path);
    }
    return entries;
  };
  const partitionsOf = (t: TableFile, log: Map<string, LogEntry>): Map<string, Merged> => {
    const state = new Map<string, Merged>();
    for (const p of t.partitions) {
      merge(state, partitionKey(t.partitionedBy, p.values), { ...p, set: false, at: '' });
    }
    mergeLog(state, t.partitionedBy, log);
    return state;
  };
  const read = async (
    database: string,
    table: string,
  ): Promise<{ table: CatalogTable; log: Map<string, LogEntry> } | undefined> => {
    for (let attempt = 0; ; attempt++) {
      const t = await readDefinition(database, table);
      if (!t) return undefined;
      const log = await readLog(database, table);
      if (!log) {
        if (attempt < 10) continue;
        throw new Error(`the catalog log of ${database}.${table} keeps changing while read; try again`);
      }
      const { formatVersion: _, ...definition } = t;
      const partitions = [...partitionsOf(t, log).values()].map((p) => ({
        values: p.values,
        location: p.location,
      }));
      return { table: { ...definition, partitions }, log };
    }
  };
  const append = async (database: string, table: string, partitions: LogEntry['partitions']) => {
    const log = logOf(database, table);
    await mkdir(log, { recursive: true });
    await writeFileAtomic(
      join(log, `${stamp()}.json`),
      `${JSON.stringify({ formatVersion: LOG_FORMAT_VERSION, partitions })}\n`,
    );
  };
  /**
   * Folds the log into one file. Safe beside other processes: the folded file is written before the
   * files it replaces are removed, a reader that finds one gone reads again, and merging is order-free.
   */
  const compact = async (t: CatalogTable, log: Map<string, LogEntry>) => {
    const state = new Map<string, Merged>();
    mergeLog(state, t.partitionedBy, log);
    await append(t.database, t.table, [...state.values()]);
    for (const name of log.keys()) await rm(join(logOf(t.database, t.table), name), { force: true });
  };
  const mustRead = async (database: string, table: string) => {
    const t = await read(database, table);
    if (!t) throw new Error(`table ${database}.${table} is not registered in the catalog`);
    return t;
  };
  const checkValues = (t: CatalogTable, values: Record<string, string>) => {
    const missing = t.partitionedBy.filter((k) => typeof values[k] !== 'string');
    const extra = Object.keys(values).filter((k) => !t.partitionedBy.includes(k));
    if (missing.length || extra.length) {
      throw new Error(
        `partition of ${t.database}.${t.table} must give exactly ${t.partitionedBy.join(', ') || 'no columns'}` +
          (missing.length ? `; missing ${missing.join(', ')}` : '') +
          (extra.length ? `; unknown ${extra.join(', ')}` : ''),
      );
    }
  };
  const commitLog = async (
    t: CatalogTable,
    log: Map<string, LogEntry>,
    partitions: LogEntry['partitions'],
  ) => {
    await append(t.database, t.table, partitions);
    if (log.size + 1 > COMPACT_AT) {
      const now = await readLog(t.database, t.table);
      if (now) await compact(t, now);
    }
  };

  return {
    registerTable: (reg) =>
      serialized(async () => {
        for (const k of reg.partitionedBy) {
          if (!reg.columns.some((c) => c.name === k)) {
            throw new Error(`partition column "${k}" is not a column of ${reg.database}.${reg.table}`);
          }
        }
        // Only the definition is rewritten; the partitions of version-1 files stay where they are.
        const existing = await readDefinition(reg.database, reg.table);
        await mkdir(dir, { recursive: true });
        const file: TableFile = {
          formatVersion: TABLE_FORMAT_VERSION,
          ...reg,
          location: resolve(reg.location),
          partitions: existing?.partitions ?? [],
        };
        await writeFileAtomic(fileOf(reg.database, reg.table), `${JSON.stringify(file, null, 2)}\n`);
      }),

    addPartitions: (database, table, partitions) =>
      serialized(async () => {
        const { table: t, log } = await mustRead(database, table);
        const known = new Set(t.partitions.map((p) => partitionKey(t.partitionedBy, p.values)));
        const added: LogEntry['partitions'] = [];
        for (const p of partitions) {
          checkValues(t, p.values);
          const key = partitionKey(t.partitionedBy, p.values);
          if (known.has(key)) continue;
          known.add(key);
          added.push({ values: { ...p.values }, location: resolve(p.location) });
        }
        if (added.length > 0) await commitLog(t, log, added);
        return added.length;
      }),

    setPartitionLocation: (database, table, values, location) =>
      serialized(async () => {
        const { table: t, log } = await mustRead(database, table);
        checkValues(t, values);
        await commitLog(t, log, [{ values: { ...values }, location: resolve(location), set: true }]);
      }),

    listTables: async () => {
      const names = await listDir(dir);
      const tables: CatalogTable[] = [];
      for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
        const [database, table] = name.slice(0, -'.json'.length).split('.');
        const t = database && table ? await read(database, table) : undefined;
        if (t) tables.push(t.table);
      }
      return tables;
    },

    getTable: async (database, table) => (await read(database, table))?.table,
  };
}
