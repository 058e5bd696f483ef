// The contract every sink implements, after Flink's Sink V2: a writer takes a batch's rows and
// says which it refused; at a checkpoint `prepareCommit` closes what it has (first phase) and hands
// back committables, which go into the manifest; once the manifest is durable, `commit` makes them
// visible (second phase). `commit` must be idempotent: recovery replays the last manifest's
// committables after a crash, and a retried checkpoint may repeat it.
//
// The checkpoint loop (src/runtime/job.ts) knows no sink by name: it drives writers from the
// registry (registry.ts).
import type { Project, ResolvedSink, ResolvedTable } from '../config/project.ts';
import type { StageError } from '../core/errors.ts';
import type { Row, SourcePosition } from '../core/record.ts';

/** A file written but not yet visible: published at commit by a rename to `final`. */
export interface PendingFileRef {
  inProgress: string;
  final: string;
  partition: Record<string, string>;
  rows: number;
  bytes: number;
}

/** A partition to register in the catalog at commit. */
export interface PartitionRef {
  database: string;
  table: string;
  values: Record<string, string>;
  location: string;
}

/**
 * What a checkpoint commits for a writer (kept in the manifest; replayed by recovery). Files are
 * the writer's to publish in `commit`; partitions are registered by the job's catalog committer,
 * once per checkpoint for all writers.
 */
export interface Committables {
  files: PendingFileRef[];
  partitions: PartitionRef[];
  /**
   * Row-format files kept open across the checkpoint, each with the length (`bytes`) and rows it
   * commits: not visible yet; recovery cuts each back to that length and publishes it.
   */
  open?: PendingFileRef[];
}

/**
 * When prepareCommit runs: after a batch (`batch`: close what rolling says is due), at a
 * checkpoint (`checkpoint`: also close what cannot stay open, e.g. Parquet files), or at the last
 * checkpoint of a writer (`final`: close everything, e.g. before a version switch or a stop).
 */
export type CommitMode = 'batch' | 'checkpoint' | 'final';

/** Where the source stands at this checkpoint: next offsets per split, for writers that commit them (Kafka transactions). */
export interface CheckpointPoint {
  positions: Record<string, number>;
  /** The consumer group's metadata (Kafka sources), for offsets committed in a transaction. */
  group?: unknown;
}

/** A row the writer refused: its index in the batch given to `write`, and why (code SINK, usually). */
export interface RowError {
  index: number;
  error: StageError;
}

export interface SinkWriter {
  /** The sinks (config names) this writer loads; none for the error store's writer. */
  readonly sinks: readonly string[];
  /**
   * One batch's rows for `sink`, with where each came from (the error store's writer: the batch's
   * error records, `sink` ''). Refused rows are returned, not thrown.
   */
  write(sink: string, rows: Row[], origins: SourcePosition[]): Promise<RowError[]>;
  /** First phase: closes files as `mode` says (see CommitMode). */
  prepareCommit(opts: { mode: CommitMode }): Promise<Committables>;
  /** Second phase, after the manifest is durable (idempotent): publishes the files. */
  commit(committables: Committables, at: CheckpointPoint): Promise<void>;
  /** Drops everything not yet committed (a failed worker; the next run reads it again). */
  abort(): Promise<void>;
  close(): Promise<void>;
}

/** What the job gives every sink kind when it builds its writers. */
export interface SinkContext {
  project: Project;
  /** The job's name and delivery (Kafka transactions), its consumer group (Kafka sources). */
  job: { name: string; delivery?: string; group?: string };
  worker: number;
  /** Unique per worker and run start: part of file names, so attempts never collide. */
  filePrefix: string;
  /** Registers partitions (the main thread's catalog queue). */
  catalog: { addPartitions(partitions: PartitionRef[]): Promise<void> };
  log: (line: string) => void;
}

/** What `weir validate` gives a sink kind to check one sink's own config (`sinks.<name>.<key>`). */
export interface SinkCheck {
  project: Project;
  sink: ResolvedSink;
  table: ResolvedTable;
  /** Adds a problem at this path under `sinks.<name>` (e.g. ['hive', 'partitioned_by', 0]). */
  report(path: (string | number)[], message: string): void;
  /** Whether `name` is a column of the table; reports "<what> ... is not a column" when not. */
  known(name: string, path: (string | number)[], what: string): boolean;
  /** Claims a resource (e.g. a Hive table) for this sink; returns the sink that claimed it first. */
  claim(resource: string): string | undefined;
  /** No problem reported so far for this sink or its table's schema: derivations may run. */
  clean(): boolean;
}

/** One kind of sink: the config key it owns (`hive`, `kafka`, `console`) and how it builds writers. */
export interface SinkKind {
  readonly key: string;
  /**
   * Checks a sink of this kind without writing anything: the same builds the writer runs
   * (derived schemas, encoders), so what validates is what the job can run.
   */
  check(c: SinkCheck): void;
  /** Writers for these sinks of one job (all have `config[key]`); may share a client among them. */
  create(sinks: Project['sinks'], ctx: SinkContext): Promise<SinkWriter[]>;
}

export function noCommittables(): Committables {
  return { files: [], partitions: [] };
}
