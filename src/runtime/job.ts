// One worker of a job: reads its splits of one source, runs every table of the source over that
// single read, loads rows into in-progress files and commits them at checkpoints.
//
// Checkpoint protocol (exactly-once into the warehouse):
//   1. close open files (prepareCommit) → files to commit
//   2. write the manifest (files, partitions, positions, counters) atomically
//   3. rename files to their final names, register partitions in the catalog
//   4. acknowledge the source (files: nothing to do; Kafka: commit offsets)
// Recovery (recover.ts) replays step 3 of every last manifest and deletes orphaned in-progress files.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Project } from '../config/project.ts';
import { isOversized, resolveFiles, type SplitPosition, SplitReader } from '../connectors/files/source.ts';
import { commitFiles } from '../connectors/warehouse/commit.ts';
import { createTableLoader, type TableLoader } from '../connectors/warehouse/loader.ts';
import { tableLocation } from '../connectors/warehouse/paths.ts';
import type { ErrorRecord } from '../core/errors.ts';
import { StageError } from '../core/errors.ts';
import type { RawRecord } from '../core/record.ts';
import { addCounters, type Counters, emptyCounters, expireDated } from '../metrics/counters.ts';
import { type Manifest, type PartitionRef, type PendingFileRef, writeManifest } from './checkpoint.ts';
import { ERROR_COLUMNS, ERROR_PARTITIONS, errorRow, errorStoreLocation } from './errorstore.ts';
import { compilePipeline } from './pipeline.ts';

export interface PartitionRegistrar {
  addPartitions(partitions: PartitionRef[]): Promise<void>;
}

export interface WorkerOptions {
  project: Project;
  source: string;
  worker: number;
  workers: number;
  /** Unique per process start; part of file names so attempts never collide. */
  runId: string;
  follow: boolean;
  batchSize: number;
  checkpointDir: string;
  /** Committed positions of every split of the source (from all manifests). */
  positions: Map<string, SplitPosition>;
  /** This worker's last manifest, if any. */
  previous?: Manifest;
  catalog: PartitionRegistrar;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Test hook: called after each checkpoint commit. */
  onCheckpoint?: (m: Manifest) => void;
}

export interface Progress {
  worker: number;
  recordsRead: number;
  bytesRead: number;
  checkpoints: number;
  filesCommitted: number;
}

export interface HiveTarget {
  sink: string;
  table: string;
  database: string;
  hiveTable: string;
  location: string;
  partitionedBy: string[];
  loader: TableLoader;
}

/** Which worker owns a split: stable across restarts with the same worker count. */
export function ownerOf(split: string, workers: number): number {
  if (workers <= 1) return 0;
  return createHash('sha1').update(split).digest().readUInt32BE(0) % workers;
}

export function hiveTargets(project: Project, source: string): Omit<HiveTarget, 'loader'>[] {
  const tablesOfSource = new Set(project.tables.filter((t) => t.config.source === source).map((t) => t.name));
  const out: Omit<HiveTarget, 'loader'>[] = [];
  for (const sink of project.sinks) {
    const hive = sink.config.hive;
    if (!hive || !tablesOfSource.has(sink.config.table)) continue;
    const hiveTable = hive.table ?? sink.name;
    out.push({
      sink: sink.name,
      table: sink.config.table,
      database: hive.database,
      hiveTable,
      location: hive.location ?? tableLocation(project.warehouse, hive.database, hiveTable),
      partitionedBy: hive.partitioned_by,
    });
  }
  return out;
}

export function sinkColumns(project: Project, sinkName: string) {
  const sink = project.sinks.find((s) => s.name === sinkName)!;
  const table = project.tables.find((t) => t.name === sink.config.table)!;
  const wanted = sink.config.columns;
  if (!wanted) return table.columns;
  const keep = new Set([...wanted, ...(sink.config.hive?.partitioned_by ?? [])]);
  return table.columns.filter((c) => keep.has(c.name));
}

/** The partition folder is the final file's folder (loader layout: <location>/<k=v>/.../part-*). */
function partitionLocation(final: string): string {
  return final.slice(0, final.lastIndexOf('/'));
}

export async function runWorker(opts: WorkerOptions): Promise<Counters> {
  const { project, source, worker, workers } = opts;
  const sourceConfig = project.config.sources[source];
  const counters: Counters = opts.previous ? structuredClone(opts.previous.counters) : emptyCounters();
  let epoch = opts.previous?.epoch ?? 0;
  const prefix = `part-${opts.runId}-w${worker}-`;

  const pipeline = await compilePipeline(project, source);
  const targets: HiveTarget[] = hiveTargets(project, source).map((t) => {
    const sink = project.sinks.find((s) => s.name === t.sink)!.config.hive!;
    return {
      ...t,
      loader: createTableLoader({
        location: t.location,
        columns: sinkColumns(project, t.sink),
        partitionedBy: t.partitionedBy,
        format: sink.format,
        compression: sink.compression,
        rolling: sink.rolling,
        filePrefix: prefix,
      }),
    };
  });
  const errorsLocation = errorStoreLocation(project.warehouse, project.config.errors.location);
  const errorLoader = createTableLoader({
    location: errorsLocation,
    columns: ERROR_COLUMNS,
    partitionedBy: ERROR_PARTITIONS,
    format: 'json',
    compression: 'none',
    rolling: { max_bytes: 64 * 1024 * 1024, max_rows: 1_000_000, max_seconds: 3600 },
    filePrefix: prefix,
  });

  // Splits of this worker.
  const readers: SplitReader[] = [];
  const maxRecordBytes = sourceConfig.max_record_bytes;
  const known = new Set<string>();
  async function discover(): Promise<void> {
    if (!sourceConfig.files) return;
    for (const file of await resolveFiles(project.dir, sourceConfig.files.path)) {
      if (known.has(file)) continue;
      known.add(file);
      if (ownerOf(file, workers) !== worker) continue;
      const reader = new SplitReader(file, opts.positions.get(file) ?? { offset: 0, line: 0 }, {
        maxRecordBytes,
      });
      reader.follow = opts.follow;
      readers.push(reader);
    }
  }
  if (sourceConfig.stdin) {
    if (worker === 0) {
      const reader = new SplitReader(
        'stdin',
        { offset: 0, line: 0 },
        { maxRecordBytes },
        async () => process.stdin,
      );
      readers.push(reader);
    }
  } else {
    await discover();
  }

  let rolled: PendingFileRef[] = [];
  const progress: Progress = { worker, recordsRead: 0, bytesRead: 0, checkpoints: 0, filesCommitted: 0 };
  const intervalMs = project.config.checkpoint.interval_seconds * 1000;
  let lastCheckpoint = Date.now();

  async function checkpoint(): Promise<void> {
    const pending: PendingFileRef[] = [...rolled];
    const partitions = new Map<string, PartitionRef>();
    for (const t of targets) {
      const files = await t.loader.prepareCommit();
      pending.push(...files);
    }
    pending.push(...(await errorLoader.prepareCommit()));
    for (const t of targets) {
      if (t.partitionedBy.length === 0) continue;
      for (const f of pending) {
        if (!f.final.startsWith(`${t.location}/`)) continue;
        const location = partitionLocation(f.final);
        partitions.set(`${t.database}.${t.hiveTable}/${location}`, {
          database: t.database,
          table: t.hiveTable,
          values: f.partition,
          location,
        });
      }
    }
    expireDated(counters, project.config.counters.dated_ttl_days);
    const positions: Manifest['positions'] = {};
    for (const r of readers) positions[r.split] = r.position;
    const manifest: Manifest = {
      format: 1,
      source,
      worker,
      epoch: ++epoch,
      configVersion: project.version,
      time: Date.now(),
      positions,
      pending,
      partitions: [...partitions.values()],
      counters,
    };
    await writeManifest(opts.checkpointDir, manifest);
    await commitFiles(pending);
    if (manifest.partitions.length > 0) await opts.catalog.addPartitions(manifest.partitions);
    rolled = [];
    lastCheckpoint = Date.now();
    progress.checkpoints++;
    progress.filesCommitted += pending.length;
    opts.onCheckpoint?.(manifest);
  }

  function sourceError(r: RawRecord & { oversized: number }): ErrorRecord {
    const e = new StageError(
      'RECORD_TOO_LARGE',
      `record of ${r.oversized} bytes is larger than max_record_bytes (${maxRecordBytes}); its first ${r.bytes.length} bytes are kept`,
    );
    return {
      code: e.code,
      stage: 'filter',
      table: null,
      raw: r.bytes,
      errorClass: e.errorClass,
      message: e.message,
      position: r.position,
      configVersion: project.version,
      time: Date.now(),
    };
  }

  let readerIndex = 0;
  async function nextBatch(): Promise<RawRecord[]> {
    const batch: RawRecord[] = [];
    let idle = 0;
    while (batch.length < opts.batchSize && idle < readers.length) {
      const reader = readers[readerIndex % readers.length];
      const got = await reader.next(opts.batchSize - batch.length);
      if (got.length === 0) {
        idle++;
        readerIndex++;
      } else {
        idle = 0;
        for (const r of got) batch.push(r);
        if (reader.atEnd) readerIndex++;
      }
    }
    return batch;
  }

  try {
    for (;;) {
      if (opts.signal?.aborted) break;
      const raw = readers.length > 0 ? await nextBatch() : [];
      if (raw.length === 0) {
        if (!opts.follow) break;
        if (Date.now() - lastCheckpoint >= intervalMs) await checkpoint();
        await sleep(200, undefined, { signal: opts.signal }).catch(() => {});
        await discover();
        continue;
      }
      const records: RawRecord[] = [];
      const sourceErrors: ErrorRecord[] = [];
      for (const r of raw) {
        progress.bytesRead += r.bytes.length;
        if (isOversized(r)) sourceErrors.push(sourceError(r));
        else records.push(r);
      }
      const result = await pipeline.process(records);
      for (const t of targets) {
        const rows = result.rows.get(t.sink);
        if (rows && rows.length > 0) await t.loader.write(rows);
      }
      const errors = sourceErrors.length > 0 ? [...sourceErrors, ...result.errors] : result.errors;
      if (errors.length > 0) await errorLoader.write(errors.map(errorRow));
      addCounters(counters, result.counters, raw.length);
      if (sourceErrors.length > 0) counters.sourceErrors = (counters.sourceErrors ?? 0) + sourceErrors.length;
      progress.recordsRead += raw.length;
      for (const t of targets) rolled.push(...(await t.loader.prepareCommit({ onlyDue: true })));
      if (Date.now() - lastCheckpoint >= intervalMs) await checkpoint();
      opts.onProgress?.(progress);
    }
    await checkpoint();
  } finally {
    for (const r of readers) await r.close();
    await pipeline.close();
  }
  return counters;
}
