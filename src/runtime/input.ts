// What a worker reads from: its splits of one source, batch by batch. Files and stdin are here;
// Kafka is in kafka-input.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Project } from '../config/project.ts';
import { FollowedFiles } from '../connectors/files/follow.ts';
import {
  isOversized,
  isUnreadable,
  listSplits,
  resolveFiles,
  type SplitPosition,
  SplitReader,
} from '../connectors/files/source.ts';
import type { ErrorRecord } from '../core/errors.ts';
import { StageError } from '../core/errors.ts';
import type { RawRecord } from '../core/record.ts';

export interface InputBatch {
  records: RawRecord[];
  /** Records the source itself rejected (too large, undecodable), as error records. */
  errors: ErrorRecord[];
  /** Raw records read (records + errors). */
  read: number;
  bytes: number;
}

export interface SourceInput {
  /** Up to `max` records; an empty batch when none are available now. */
  read(max: number): Promise<InputBatch>;
  /** A bounded input that has nothing more to read: the worker takes its final checkpoint and stops. */
  ended(): boolean;
  /** Waits a little when read() returned nothing and the input has not ended. */
  idle(signal?: AbortSignal): Promise<void>;
  /** Next position of every split read so far (what the checkpoint records). */
  positions(): Record<string, SplitPosition>;
  /** Splits whose positions the checkpoint should drop (followed files renamed or gone). */
  forget?(): string[];
  /** Called after a checkpoint committed these positions (Kafka: commit offsets to the group). */
  acknowledge(positions: Record<string, SplitPosition>): Promise<void>;
  close(): Promise<void>;
}

export function sourceError(raw: RawRecord, e: StageError, configVersion: string): ErrorRecord {
  return {
    code: e.code,
    stage: 'filter',
    table: null,
    raw: raw.bytes,
    errorClass: e.errorClass,
    message: e.message,
    position: raw.position,
    configVersion,
    time: Date.now(),
  };
}

export interface FilesInputOptions {
  project: Project;
  source: string;
  /** Whether this worker owns a split. */
  owns(split: string): boolean;
  isFirstWorker: boolean;
  follow: boolean;
  /** Committed positions of every split (from all manifests). */
  positions: Map<string, SplitPosition>;
}

/** Files (each file a split; new files are picked up while following) or stdin (worker 0 only). */
export async function createFilesInput(opts: FilesInputOptions): Promise<SourceInput> {
  const config = opts.project.config.sources[opts.source]!;
  const maxRecordBytes = config.max_record_bytes;
  const followed =
    config.files && opts.follow
      ? new FollowedFiles({
          dir: opts.project.dir,
          patterns: config.files.path,
          maxRecordBytes,
          owns: opts.owns,
          positions: opts.positions,
        })
      : undefined;
  const readers: SplitReader[] = followed ? followed.readers : [];
  const known = new Set<string>();
  let discovered = Date.now();
  async function discover(): Promise<void> {
    discovered = Date.now();
    if (followed) return followed.discover();
    if (!config.files) return;
    const files = (await resolveFiles(opts.project.dir, config.files.path)).filter((f) => !known.has(f));
    for (const split of await listSplits(files, { ranges: !opts.follow })) {
      known.add(split.path);
      if (!opts.owns(split.id)) continue;
      const start = { offset: split.range?.start ?? 0, line: 0 };
      const reader = new SplitReader(split.id, opts.positions.get(split.id) ?? start, {
        maxRecordBytes,
        path: split.path,
        range: split.range,
      });
      reader.follow = opts.follow;
      readers.push(reader);
    }
  }
  if (config.stdin) {
    if (opts.isFirstWorker) {
      readers.push(
        new SplitReader('stdin', { offset: 0, line: 0 }, { maxRecordBytes }, async () => process.stdin),
      );
    }
  } else {
    await discover();
  }

  let readerIndex = 0;
  let drained = false;
  async function nextBatch(max: number): Promise<RawRecord[]> {
    const batch: RawRecord[] = [];
    let idle = 0;
    while (batch.length < max && idle < readers.length) {
      const reader = readers[readerIndex % readers.length]!;
      const got = await reader.next(max - batch.length);
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

  return {
    async read(max) {
      // A source that never pauses still notices new and rotated files.
      if (followed && Date.now() - discovered > 1000) await discover();
      const raw = readers.length > 0 ? await nextBatch(max) : [];
      drained = raw.length === 0;
      const batch: InputBatch = { records: [], errors: [], read: raw.length, bytes: 0 };
      for (const r of raw) {
        batch.bytes += r.bytes.length;
        if (isOversized(r)) {
          const e = new StageError(
            'RECORD_TOO_LARGE',
            `record of ${r.oversized} bytes is larger than max_record_bytes (${maxRecordBytes}); its first ${r.bytes.length} bytes are kept`,
          );
          batch.errors.push(sourceError(r, e, opts.project.version));
        } else if (isUnreadable(r)) {
          const read = r.position.line === undefined ? '' : ` after ${r.position.line - 1} lines`;
          const e = new StageError(
            'GZIP_UNREADABLE',
            `${r.position.split} stopped decompressing${read} (${r.unreadable}): it is truncated or not gzip; the rest of the file is skipped and not read again`,
          );
          batch.errors.push(sourceError(r, e, opts.project.version));
        } else batch.records.push(r);
      }
      return batch;
    },
    ended: () => drained && !opts.follow,
    async idle(signal) {
      await sleep(200, undefined, { signal }).catch(() => {});
      await discover();
    },
    positions() {
      if (followed) return followed.positions();
      const out: Record<string, SplitPosition> = {};
      for (const r of readers) out[r.split] = r.position;
      return out;
    },
    forget: () => followed?.forget() ?? [],
    async acknowledge() {},
    async close() {
      for (const r of readers) await r.close();
    },
  };
}
