// File source: newline-separated records from files (plain or gzip) or stdin.
// A split is one file; its position is the byte offset of the next record (in the
// uncompressed stream for gzip) plus the count of lines consumed, so a restart resumes exactly.
import { createReadStream } from 'node:fs';
import { glob, open, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { RawRecord } from '../../core/record.ts';

export interface SplitPosition {
  /** Byte offset of the next record to read. */
  offset: number;
  /** Lines consumed so far (the next record is line `line + 1`). */
  line: number;
  /** A gzip file that could not be read to its end: it is not read again (docs/files.md). */
  unreadable?: true;
}

export interface FileSourceOptions {
  /** Records longer than this are cut (the reader keeps its place) and flagged `oversized`. */
  maxRecordBytes: number;
  /** The file to read, when the split id is not the path (byte-range splits). */
  path?: string;
  /** A byte range of the file: the split owns the records that start inside [start, end). */
  range?: { start: number; end: number };
}

/** Plain files larger than this are read as several byte-range splits, so workers share one big file. */
export const RANGE_SPLIT_BYTES = 32 * 1024 * 1024;

export interface SplitSpec {
  /** Stable id: the path, or `path#start` for a byte range. */
  id: string;
  path: string;
  range?: { start: number; end: number };
  /** Bytes to read when listed (a gzip file: its compressed size), for sharing splits out evenly. */
  bytes: number;
}

/**
 * The splits of some files. A big plain file becomes fixed-size byte ranges (the same on every run,
 * whatever the worker count, so checkpointed positions stay valid); gzip files and files read while
 * following stay whole.
 */
export async function listSplits(files: string[], opts: { ranges: boolean }): Promise<SplitSpec[]> {
  const out: SplitSpec[] = [];
  for (const path of files) {
    const { size } = await stat(path);
    if (!opts.ranges || size <= RANGE_SPLIT_BYTES || (await isGzip(path))) {
      out.push({ id: path, path, bytes: size });
      continue;
    }
    for (let start = 0; start < size; start += RANGE_SPLIT_BYTES) {
      const range = { start, end: start + RANGE_SPLIT_BYTES };
      out.push({ id: `${path}#${start}`, path, range, bytes: Math.min(size, range.end) - start });
    }
  }
  return out;
}

/** A record the reader had to cut because it exceeds `maxRecordBytes`; `bytes` holds its head. */
export interface OversizedRecord extends RawRecord {
  oversized: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const CHUNK = 1 << 20;
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Files matching the globs, relative to `dir`, sorted, without duplicates. */
export async function resolveFiles(dir: string, patterns: string | string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of Array.isArray(patterns) ? patterns : [patterns]) {
    const abs = isAbsolute(pattern) ? pattern : join(dir, pattern);
    for await (const file of glob(abs)) {
      const full = resolve(file);
      // A file can vanish between listing and stat (log rotation removing an old file).
      const st = await stat(full).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return null;
        throw e;
      });
      if (st?.isFile()) found.add(full);
    }
  }
  return [...found].sort();
}

export async function isGzip(path: string): Promise<boolean> {
  if (path.endsWith('.gz')) return true;
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Reads one split (a file, or stdin) record by record from a position, in batches.
 * `next(max)` returns up to `max` records, or [] at the current end of input.
 */
export class SplitReader {
  /** The split's id; a followed file that was renamed by log rotation takes its new name. */
  split: string;
  position: SplitPosition;
  private readonly opts: FileSourceOptions;
  protected stream: AsyncIterator<Buffer> | null = null;
  protected pending: Buffer = Buffer.alloc(0);
  /** Absolute offset of pending[0]. */
  protected pendingOffset: number;
  private skipping = 0;
  protected eof = false;
  private readonly input: (() => Promise<Readable>) | null;
  private readonly path: string;
  /** A range split starting mid-file first skips the line it starts inside (the previous split's). */
  private skipPartial = false;
  /** Line numbers are only known when reading from the start of the file. */
  private readonly linesKnown: boolean;
  private rangeDone = false;

  constructor(
    split: string,
    position: SplitPosition,
    opts: FileSourceOptions,
    input?: () => Promise<Readable>,
  ) {
    this.split = split;
    this.path = opts.path ?? split;
    this.position = { ...position };
    this.pendingOffset = position.offset;
    this.opts = opts;
    this.input = input ?? null;
    const start = opts.range?.start ?? 0;
    this.linesKnown = start === 0;
    if (start > 0 && position.offset <= start) {
      this.skipPartial = true;
      this.pendingOffset = start - 1;
    }
  }

  /** True when the last read hit the end of the input (more may come later when following). */
  get atEnd(): boolean {
    return this.rangeDone || (this.eof && this.pending.length === 0);
  }

  protected async openStream(): Promise<boolean> {
    if (this.gzipDone || this.position.unreadable) return false;
    if (this.input) {
      this.stream = (await this.input())[Symbol.asyncIterator]();
      return true;
    }
    if (await isGzip(this.path)) {
      const gunzip = createReadStream(this.path, { highWaterMark: CHUNK }).pipe(createGunzip());
      this.stream = gunzip[Symbol.asyncIterator]();
      this.skipping = this.position.offset;
      this.pendingOffset = 0;
      this.gzip = true;
    } else {
      // Reopened when following: continue after what is already buffered.
      const start = this.pendingOffset + this.pending.length;
      this.stream = createReadStream(this.path, { start, highWaterMark: CHUNK })[Symbol.asyncIterator]();
    }
    return true;
  }

  private gzip = false;
  /** A gzip member is read once to its end; it is never reopened. */
  private gzipDone = false;
  /** Why the gzip stream failed (truncated, not gzip at all), until the error record is handed out. */
  private gzipFailure: string | null = null;

  /** Pull one more chunk into `pending`; false at end of input. */
  private async fill(): Promise<boolean> {
    if (!this.stream && !(await this.openStream())) return false;
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await this.stream!.next();
      } catch (e) {
        if (!this.gzip || (e as NodeJS.ErrnoException).code?.startsWith('Z_') !== true) throw e;
        this.gzipFailure = (e as Error).message;
        this.stream = null;
        this.gzipDone = true;
        return false;
      }
      const { value, done } = next;
      if (done) {
        this.stream = null;
        if (this.gzip) this.gzipDone = true;
        return false;
      }
      let chunk = value as Buffer;
      if (this.skipping > 0) {
        const skip = Math.min(this.skipping, chunk.length);
        this.skipping -= skip;
        this.pendingOffset += skip;
        chunk = chunk.subarray(skip);
        if (chunk.length === 0) continue;
      }
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      if (this.skipPartial) {
        const nl = this.pending.indexOf(NEWLINE);
        if (nl < 0) {
          this.pendingOffset += this.pending.length;
          this.pending = Buffer.alloc(0);
          continue;
        }
        this.pending = this.pending.subarray(nl + 1);
        this.pendingOffset += nl + 1;
        this.position = { offset: this.pendingOffset, line: 0 };
        this.skipPartial = false;
        if (this.pending.length === 0) continue;
      }
      return true;
    }
  }

  /** Up to `max` records. At end of input a last line without a newline is a record too. */
  async next(max: number): Promise<RawRecord[]> {
    const out: RawRecord[] = [];
    this.eof = false;
    let scanFrom = 0;
    while (out.length < max) {
      if (this.opts.range && !this.skipPartial && this.pendingOffset >= this.opts.range.end) {
        this.rangeDone = true;
        break;
      }
      const nl = this.pending.indexOf(NEWLINE, scanFrom);
      if (nl < 0) {
        if (this.pending.length > this.opts.maxRecordBytes) {
          // Too long: keep the head for the error record and skip to the end of the line.
          out.push(await this.cutOversized());
          scanFrom = 0;
          continue;
        }
        scanFrom = this.pending.length;
        if (await this.fill()) continue;
        this.eof = true;
        if (this.gzipFailure !== null) {
          out.push(await this.failedRest(this.gzipFailure));
          break;
        }
        if (this.pending.length > 0 && !(this.follow && !this.gzip)) {
          out.push(this.take(this.pending.length, this.pending.length));
        }
        break;
      }
      scanFrom = 0;
      out.push(nl > this.opts.maxRecordBytes ? await this.cutOversized() : this.take(nl, nl + 1));
    }
    return out;
  }

  /** When following, a last line without its newline may still be being written: wait for it. */
  follow = false;

  private take(end: number, consumed: number): RawRecord {
    let stop = end;
    if (stop > 0 && this.pending[stop - 1] === CR) stop--;
    const bytes = this.pending.subarray(0, stop);
    const record: RawRecord = {
      bytes,
      text: decoder.decode(bytes),
      position: {
        split: this.split,
        offset: this.pendingOffset,
        line: this.linesKnown ? this.position.line + 1 : undefined,
      },
    };
    this.pending = this.pending.subarray(consumed);
    this.pendingOffset += consumed;
    this.position = { offset: this.pendingOffset, line: this.position.line + 1 };
    return record;
  }

  private async cutOversized(): Promise<OversizedRecord> {
    const head = Buffer.from(this.pending.subarray(0, 64 * 1024));
    const start = this.pendingOffset;
    let length = 0;
    for (;;) {
      const nl = this.pending.indexOf(NEWLINE);
      if (nl >= 0) {
        length += nl;
        this.pending = this.pending.subarray(nl + 1);
        this.pendingOffset += nl + 1;
        break;
      }
      length += this.pending.length;
      this.pendingOffset += this.pending.length;
      this.pending = Buffer.alloc(0);
      if (!(await this.fill())) break;
    }
    this.position = { offset: this.pendingOffset, line: this.position.line + 1 };
    return {
      bytes: head,
      text: decoder.decode(head),
      position: { split: this.split, offset: start, line: this.linesKnown ? this.position.line : undefined },
      oversized: length,
    };
  }

  /**
   * The error record for the rest of a gzip file that stopped decompressing: the text decompressed
   * since the last full line (or, when nothing decompressed, the file's first bytes). The position is
   * marked unreadable, so a restart skips the file instead of stopping on it again.
   */
  private async failedRest(reason: string): Promise<UnreadableRecord> {
    let head = Buffer.from(this.pending.subarray(0, 64 * 1024));
    const decompressed = this.pendingOffset + this.pending.length;
    if (decompressed === 0) {
      const fh = await open(this.path, 'r');
      try {
        const buf = Buffer.alloc(64 * 1024);
        head = buf.subarray(0, (await fh.read(buf, 0, buf.length, 0)).bytesRead);
      } finally {
        await fh.close();
      }
    }
    const record: UnreadableRecord = {
      bytes: head,
      text: decoder.decode(head),
      position: {
        split: this.split,
        offset: this.pendingOffset,
        line: this.linesKnown ? this.position.line + 1 : undefined,
      },
      unreadable: reason,
    };
    this.gzipFailure = null;
    this.pending = Buffer.alloc(0);
    this.position = { ...this.position, unreadable: true };
    return record;
  }

  async close(): Promise<void> {
    await this.stream?.return?.();
    this.stream = null;
  }
}

export function isOversized(r: RawRecord): r is OversizedRecord {
  return (r as OversizedRecord).oversized !== undefined;
}

/** What was left of a gzip file that stopped decompressing; `bytes` holds the head of it. */
export interface UnreadableRecord extends RawRecord {
  /** Why decompression failed, e.g. "unexpected end of file". */
  unreadable: string;
}

export function isUnreadable(r: RawRecord): r is UnreadableRecord {
  return (r as UnreadableRecord).unreadable !== undefined;
}
