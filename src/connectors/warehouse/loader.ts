// The table loader: routes rows to one open file per partition, rolls files by rows, bytes and
// age, and hands closed files to the checkpoint as PendingFiles (visible only after commitFiles).
// Row-format files (JSON, text) stay open across checkpoints: a checkpoint records how much of
// each is committed (its length), and recovery keeps exactly that prefix (publishPrefixes), so
// rolling alone decides when a file closes. Parquet files close at every checkpoint: a Parquet
// file is readable only once its footer is written.
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StageError } from '../../core/errors.ts';
import type { Row } from '../../core/record.ts';
import type { Column } from '../../core/types.ts';
import {
  type DataFileWriter,
  FORMAT_EXTENSION,
  openDataFile,
  type WarehouseCompression,
  type WarehouseFormat,
} from './data-file.ts';
import { HIVE_DEFAULT_PARTITION, partitionDir, within } from './paths.ts';
import { primitiveText } from './values.ts';

export interface PendingFile {
  inProgress: string;
  final: string;
  partition: Record<string, string>;
  rows: number;
  bytes: number;
}

export interface TableLoader {
  /** Routes rows to per-partition writers (keyed by partition values). */
  write(rows: Row[]): void | Promise<void>;
  /**
   * Closes files, returning those ready to commit: every open file by default; only those due to
   * roll when `onlyDue`; with `keepOpen` (a checkpoint), those due and every Parquet file.
   */
  prepareCommit(opts?: { onlyDue?: boolean; keepOpen?: boolean }): Promise<PendingFile[]>;
  /**
   * The files still open after prepareCommit({ keepOpen }), written out and fsynced: each with the
   * length (and rows) the checkpoint commits of it.
   */
  checkpointOpen(): Promise<PendingFile[]>;
  /**
   * Drops what is not committed: files opened since the last checkpoint are deleted; a file kept
   * open across a checkpoint is closed and left for the manifest's owner to publish its prefix
   * (recovery, or the worker's next attempt: publishPrefixes), as only the manifest knows whether
   * that checkpoint was committed.
   */
  abort(): Promise<void>;
}

export interface TableLoaderSpec {
  location: string;
  columns: Column[];
  partitionedBy: string[];
  format: WarehouseFormat;
  compression: WarehouseCompression;
  rolling: { max_bytes: number; max_rows: number; max_seconds: number };
  /** Unique per worker and attempt, e.g. `part-<worker>-<epoch>-`. */
  filePrefix: string;
  /** A row that cannot be placed (e.g. a partition value too long for a path); default: throw it. */
  onRowError?: (row: Row, error: StageError) => void;
  /** Clock in ms, for time-based rolling (tests). */
  now?: () => number;
}

interface OpenFile {
  writer: DataFileWriter;
  inProgress: string;
  final: string;
  partition: Record<string, string>;
  openedAt: number;
  /** Set once a checkpoint recorded a committed length of this file (kept open across it). */
  inManifest?: boolean;
}

const SAFE_PREFIX = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function createTableLoader(spec: TableLoaderSpec): TableLoader {
  const { location, columns, partitionedBy, format, compression, rolling, filePrefix } = spec;
  const now = spec.now ?? Date.now;
  if (!SAFE_PREFIX.test(filePrefix)) {
    throw new Error(
      `file prefix "${filePrefix}" must be letters, digits, _, - and . (not starting with . or -)`,
    );
  }
  const partitionColumns = partitionedBy.map((name) => {
    const c = columns.find((x) => x.name === name);
    if (!c) throw new Error(`partition column "${name}" is not a column of the table`);
    if (['ARRAY', 'MAP', 'ROW'].includes(c.type.kind)) {
      throw new Error(
        `partition column "${name}" has type ${c.type.kind}; partition columns must be primitive`,
      );
    }
    return c;
  });
  const dataColumns = columns.filter((c) => !partitionedBy.includes(c.name));
  const ext = FORMAT_EXTENSION[format];
  const open = new Map<string, OpenFile>();
  let closed: PendingFile[] = [];
  let seq = 0;

  const rejectRow = (row: Row, error: unknown) => {
    const e =
      error instanceof StageError
        ? error
        : new StageError('SINK', error instanceof Error ? error.message : String(error), { cause: error });
    if (spec.onRowError) spec.onRowError(row, e);
    else throw e;
  };

  /** Partition folders this loader made: a (recursive) mkdir per new file was ~5% of many-tables. */
  const made = new Set<string>();
  const openWriter = (dir: string, path: string) => {
    if (!made.has(dir)) {
      if (made.size >= 10_000) made.clear();
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    try {
      return openDataFile(path, dataColumns, format, compression);
    } catch (e) {
      // Someone removed the folder since (e.g. a dropped partition): make it again.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(dir, { recursive: true });
      return openDataFile(path, dataColumns, format, compression);
    }
  };

  const openFile = (values: (string | null)[]): OpenFile => {
    const dir = within(location, partitionDir(partitionedBy, values));
    const name = `${filePrefix}${String(seq++).padStart(5, '0')}${ext}`;
    const inProgress = join(dir, `.${name}.inprogress`);
    const partition: Record<string, string> = {};
    partitionedBy.forEach((k, i) => {
      partition[k] = values[i] ?? HIVE_DEFAULT_PARTITION;
    });
    return {
      writer: openWriter(dir, inProgress),
      inProgress,
      final: join(dir, name),
      partition,
      openedAt: now(),
    };
  };

  /** Closed files whose fsync may still run: the error (if any) is thrown by prepareCommit. */
  let syncing: Promise<unknown>[] = [];
  const closeFile = (key: string, f: OpenFile) => {
    open.delete(key);
    const { bytes, durable } = f.writer.close();
    syncing.push(
      durable.then(
        () => undefined,
        (e: unknown) => e ?? new Error('fsync failed'),
      ),
    );
    closed.push({
      inProgress: f.inProgress,
      final: f.final,
      partition: f.partition,
      rows: f.writer.rows,
      bytes,
    });
  };

  const due = (f: OpenFile) =>
    f.writer.rows >= rolling.max_rows ||
    f.writer.bytes >= rolling.max_bytes ||
    now() - f.openedAt >= rolling.max_seconds * 1000;

  const partitionValues = (row: Row): (string | null)[] =>
    partitionColumns.map((c) => {
      const v = row[c.name];
      // Hive stores null and '' alike in the default partition.
      return v === null || v === undefined || v === '' ? null : primitiveText(c.type, v);
    });

  return {
    write(rows) {
      for (const row of rows) {
        let values: (string | null)[];
        let f: OpenFile | undefined;
        let key: string;
        try {
          values = partitionValues(row);
          key = JSON.stringify(values);
          f = open.get(key);
          if (!f) {
            f = openFile(values);
            open.set(key, f);
          }
        } catch (e) {
          rejectRow(row, e);
          continue;
        }
        try {
          f.writer.append(row);
        } catch (e) {
          rejectRow(row, e);
          continue;
        }
        if (f.writer.rows >= rolling.max_rows || f.writer.bytes >= rolling.max_bytes) closeFile(key, f);
      }
      for (const [key, f] of open) if (now() - f.openedAt >= rolling.max_seconds * 1000) closeFile(key, f);
    },

    async prepareCommit(opts = {}) {
      for (const [key, f] of [...open]) {
        const closes = opts.onlyDue ? due(f) : !opts.keepOpen || due(f) || !f.writer.sync;
        if (closes) closeFile(key, f);
      }
      const waiting = syncing;
      syncing = [];
      // Durable before the checkpoint manifest names them.
      const failure = (await Promise.all(waiting)).find((e) => e !== undefined);
      if (failure !== undefined) throw failure;
      const ready = closed;
      closed = [];
      return ready;
    },

    async checkpointOpen() {
      const refs: PendingFile[] = [];
      const durable: Promise<void>[] = [];
      for (const f of open.values()) {
        const synced = f.writer.sync!();
        durable.push(synced.durable);
        f.inManifest = true;
        refs.push({
          inProgress: f.inProgress,
          final: f.final,
          partition: f.partition,
          bytes: synced.bytes,
          rows: f.writer.rows,
        });
      }
      await Promise.all(durable);
      return refs;
    },

    async abort() {
      for (const f of open.values()) {
        if (f.inManifest) syncing.push(f.writer.close().durable.catch((e: unknown) => e));
        else f.writer.abort();
      }
      open.clear();
      await Promise.all(syncing.splice(0));
      await Promise.all(syncing.splice(0));
      await Promise.all(closed.map((f) => rm(f.inProgress, { force: true })));
      closed = [];
    },
  };
}
