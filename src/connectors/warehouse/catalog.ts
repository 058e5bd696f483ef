// The local catalog: one JSON file per table under <warehouse>/_catalog/, replaced atomically
// (write temp + fsync + rename), updated only at commit so readers never see uncommitted files.
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { listDir, writeFileAtomic } from '../../core/fs.ts';
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

/** The local catalog of the warehouse at `warehouse`. Writes are serialized per catalog object. */
export function localCatalog(warehouse: string): Catalog {
  const dir = catalogDir(warehouse);
  const fileOf = (database: string, table: string) => {
    tableLocation(warehouse, database, table); // validates both names
    return join(dir, `${database}.${table}.json`);
  };
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  const read = async (database: string, table: string): Promise<CatalogTable | undefined> => {
    const path = fileOf(database, table);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      return JSON.parse(text) as CatalogTable;
    } catch (e) {
      throw new Error(`catalog file ${path} is not valid JSON: ${(e as Error).message}`);
    }
  };
  const write = async (t: CatalogTable) => {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(fileOf(t.database, t.table), `${JSON.stringify(t, null, 2)}\n`);
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

  return {
    registerTable: (reg) =>
      serialized(async () => {
        for (const k of reg.partitionedBy) {
          if (!reg.columns.some((c) => c.name === k)) {
            throw new Error(`partition column "${k}" is not a column of ${reg.database}.${reg.table}`);
          }
        }
        const existing = await read(reg.database, reg.table);
        await write({ ...reg, location: resolve(reg.location), partitions: existing?.partitions ?? [] });
      }),

    addPartitions: (database, table, partitions) =>
      serialized(async () => {
        const t = await mustRead(database, table);
        const known = new Set(t.partitions.map((p) => partitionKey(t.partitionedBy, p.values)));
        let added = 0;
        for (const p of partitions) {
          checkValues(t, p.values);
          const key = partitionKey(t.partitionedBy, p.values);
          if (known.has(key)) continue;
          known.add(key);
          t.partitions.push({ values: { ...p.values }, location: resolve(p.location) });
          added++;
        }
        if (added > 0) await write(t);
        return added;
      }),

    setPartitionLocation: (database, table, values, location) =>
      serialized(async () => {
        const t = await mustRead(database, table);
        checkValues(t, values);
        const key = partitionKey(t.partitionedBy, values);
        const p = t.partitions.find((x) => partitionKey(t.partitionedBy, x.values) === key);
        if (p) p.location = resolve(location);
        else t.partitions.push({ values: { ...values }, location: resolve(location) });
        await write(t);
      }),

    listTables: async () => {
      const names = await listDir(dir);
      const tables: CatalogTable[] = [];
      for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
        const [database, table] = name.slice(0, -'.json'.length).split('.');
        const t = database && table ? await read(database, table) : undefined;
        if (t) tables.push(t);
      }
      return tables;
    },

    getTable: (database, table) => read(database, table),
  };
}
