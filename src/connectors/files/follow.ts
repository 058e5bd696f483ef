// Following files through log rotation (--follow), as Filebeat and Vector do: a followed file is
// known by its identity, device + inode plus a fingerprint (a hash of its first FP_BYTES bytes),
// not by its name, and the checkpoint keeps that identity with the position.
//
// - copytruncate: the file shrinks below the read position, or its first bytes change at the same
//   inode → it is read again from the start. What was read until then (`before`: its identity and
//   position) is kept until the copy turns up under a name the globs match; the copy is then read
//   from that position, so lines written after the last read and before the copy are not lost.
// - rename (create): the name now points to a new inode → the open file is read on to its end under
//   its new name (when the globs match it; otherwise until it has been idle for ORPHAN_GRACE_MS),
//   and the new file is read from the start.
// - restart: each file the globs match is matched to a checkpointed identity, first by device,
//   inode and fingerprint, then (a copy) by fingerprint alone; an identity whose file is gone is
//   dropped. A file with the same first bytes as a file being read is a copy: it is not read.
import { createHash } from 'node:crypto';
import { type FileHandle, open, stat } from 'node:fs/promises';
import type { SplitPosition } from './source.ts';
import { isGzip, resolveFiles, SplitReader } from './source.ts';

/** Bytes hashed for a file's fingerprint. */
export const FP_BYTES = 256;
/** A renamed file no glob matches any more is closed after being idle at its end this long. */
const ORPHAN_GRACE_MS = 1000;
const CHUNK = 1 << 20;

export interface FileIdentity {
  dev: number;
  ino: number;
  /** Hash of the first `fpBytes` bytes. */
  fp: string;
  fpBytes: number;
}

export type IdentifiedPosition = SplitPosition & FileIdentity;

/** A followed file's checkpointed position: identity, and the content before a copytruncate. */
export interface FollowPosition extends SplitPosition, Partial<FileIdentity> {
  before?: IdentifiedPosition;
}

function hash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

async function head(fh: FileHandle, n: number): Promise<Buffer> {
  const buf = Buffer.alloc(n);
  const { bytesRead } = await fh.read(buf, 0, n, 0);
  return buf.subarray(0, bytesRead);
}

async function* chunksFrom(fh: FileHandle, start: number): AsyncGenerator<Buffer> {
  let at = start;
  for (;;) {
    const buf = Buffer.allocUnsafe(CHUNK);
    const { bytesRead } = await fh.read(buf, 0, CHUNK, at);
    if (bytesRead === 0) return;
    at += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}

/** A followed plain file, read through one open descriptor (it stays readable after a rename). */
export class FollowReader extends SplitReader {
  readonly dev: number;
  readonly ino: number;
  fp = '';
  fpBytes = 0;
  /** The content read before a copytruncate, until its copy is found. */
  before: IdentifiedPosition | undefined;
  /** When no glob-matched name pointed to this file any more. */
  orphanSince: number | undefined;
  private readonly fh: FileHandle;

  private constructor(
    split: string,
    position: FollowPosition,
    maxRecordBytes: number,
    fh: FileHandle,
    dev: number,
    ino: number,
  ) {
    super(split, { offset: position.offset, line: position.line }, { maxRecordBytes, path: split });
    this.fh = fh;
    this.dev = dev;
    this.ino = ino;
    this.fp = position.fp ?? '';
    this.fpBytes = position.fpBytes ?? 0;
    this.before = position.before;
    this.follow = true;
  }

  static async open(path: string, position: FollowPosition, maxRecordBytes: number): Promise<FollowReader> {
    const fh = await open(path, 'r');
    const st = await fh.stat();
    return new FollowReader(path, position, maxRecordBytes, fh, st.dev, st.ino);
  }

  get key(): string {
    return `${this.dev}:${this.ino}`;
  }

  /** The last read found no more data (now). */
  get idle(): boolean {
    return this.eof;
  }

  identity(): FollowPosition {
    const out: FollowPosition = {
      ...this.position,
      dev: this.dev,
      ino: this.ino,
      fp: this.fp,
      fpBytes: this.fpBytes,
    };
    if (this.before) out.before = this.before;
    return out;
  }

  protected override async openStream(): Promise<boolean> {
    const size = (await this.fh.stat()).size;
    const readFrom = this.pendingOffset + this.pending.length;
    const rewritten =
      size < readFrom ||
      (this.fpBytes > 0 && (size < this.fpBytes || hash(await head(this.fh, this.fpBytes)) !== this.fp));
    if (rewritten) this.restart();
    if (this.fpBytes < FP_BYTES && size > this.fpBytes) {
      const first = await head(this.fh, FP_BYTES);
      this.fp = hash(first);
      this.fpBytes = first.length;
    }
    this.stream = chunksFrom(this.fh, this.pendingOffset + this.pending.length);
    return true;
  }

  /** copytruncate: the content read so far is elsewhere now (its copy); start again at 0. */
  private restart(): void {
    if (this.position.offset > 0 && this.fpBytes > 0) {
      this.before = { ...this.position, dev: this.dev, ino: this.ino, fp: this.fp, fpBytes: this.fpBytes };
    }
    this.pending = Buffer.alloc(0);
    this.pendingOffset = 0;
    this.position = { offset: 0, line: 0 };
    this.fp = '';
    this.fpBytes = 0;
  }

  override async close(): Promise<void> {
    await super.close();
    await this.fh.close().catch(() => {});
  }
}

interface Listed {
  path: string;
  dev: number;
  ino: number;
  size: number;
}

/** A fingerprint that can stand for a file alone: it covers at least a whole first line. */
async function prefixMatches(path: string, id: FileIdentity, size: number, alone: boolean): Promise<boolean> {
  if (id.fpBytes === 0 || size < id.fpBytes) return id.fpBytes === 0 && !alone;
  const fh = await open(path, 'r');
  try {
    const first = await head(fh, id.fpBytes);
    if (alone && id.fpBytes < FP_BYTES && !first.includes(0x0a)) return false;
    return hash(first) === id.fp;
  } finally {
    await fh.close();
  }
}

export interface FollowedFilesOptions {
  dir: string;
  patterns: string | string[];
  maxRecordBytes: number;
  owns(split: string): boolean;
  /** Committed positions of the source's splits. */
  positions: Map<string, FollowPosition>;
}

/** The followed files of a source: which reader reads which file, through renames and truncations. */
export class FollowedFiles {
  readonly readers: SplitReader[] = [];
  private readonly opts: FollowedFilesOptions;
  /** Checkpointed identities not matched to a file yet. */
  private readonly pool: { key: string; pos: IdentifiedPosition; fromBefore: boolean }[] = [];
  /** Legacy positions (no identity), by path. */
  private readonly legacy = new Map<string, SplitPosition>();
  /** Gzip files (read once, by name). */
  private readonly gzip = new Set<string>();
  /** Sizes of small new files at the last look: one is read once its size holds still. */
  private readonly waiting = new Map<string, number>();
  private forgotten = new Set<string>();
  private first = true;

  constructor(opts: FollowedFilesOptions) {
    this.opts = opts;
    for (const [key, pos] of opts.positions) {
      if (pos.dev !== undefined && pos.fp !== undefined) {
        this.pool.push({ key, pos: pos as IdentifiedPosition, fromBefore: false });
      } else this.legacy.set(key, pos);
      if (pos.before) this.pool.push({ key, pos: pos.before, fromBefore: true });
    }
  }

  private followers(): FollowReader[] {
    return this.readers.filter((r): r is FollowReader => r instanceof FollowReader);
  }

  async discover(): Promise<void> {
    const listed: Listed[] = [];
    for (const path of await resolveFiles(this.opts.dir, this.opts.patterns)) {
      const st = await stat(path).catch(() => null);
      if (st) listed.push({ path, dev: st.dev, ino: st.ino, size: st.size });
    }
    const byInode = new Map(listed.map((f) => [`${f.dev}:${f.ino}`, f.path]));
    const claimed = new Set<string>();
    const now = Date.now();
    const used = new Set<string>();
    for (const r of this.followers()) {
      const path = byInode.get(r.key);
      if (path !== undefined) {
        claimed.add(path);
        r.orphanSince = undefined;
        if (path !== r.split) this.forgotten.add(r.split);
        r.split = path;
      } else if (r.orphanSince === undefined) {
        r.orphanSince = now;
        this.forgotten.add(r.split);
        r.split = `${r.split}@${r.ino}`;
      }
      used.add(r.split);
    }
    // Renamed files that no glob matches: read to their end, then let go.
    for (const r of this.followers()) {
      if (r.orphanSince === undefined || now - r.orphanSince < ORPHAN_GRACE_MS || !r.idle) continue;
      if (r.follow)
        r.follow = false; // the next read hands out a last line without its newline
      else if (r.atEnd) {
        await r.close();
        this.readers.splice(this.readers.indexOf(r), 1);
        this.forgotten.add(r.split);
        used.delete(r.split);
      }
    }
    const fresh = listed.filter(
      (f) => !claimed.has(f.path) && !this.gzip.has(f.path) && this.opts.owns(f.path),
    );
    const start = new Map<string, FollowPosition>();
    /** Files resumed from a checkpointed identity: the key it was checkpointed under. */
    const resumedFrom = new Map<string, string>();
    // 1. The same file (device, inode and first bytes) as a checkpointed one: resume it.
    for (const f of fresh) {
      const same = this.pool.filter((c) => !c.fromBefore && c.pos.dev === f.dev && c.pos.ino === f.ino);
      same.sort((a, b) => b.pos.offset - a.pos.offset);
      for (const c of same) {
        if (!(await prefixMatches(f.path, c.pos, f.size, false))) continue;
        start.set(f.path, this.take(c));
        resumedFrom.set(f.path, c.key);
        break;
      }
    }
    // 2. A copy (same first bytes, another inode) of what was read before a truncation, or of a
    //    checkpointed file: resume at its position. A copy of a file being read is not read.
    for (const f of fresh) {
      if (start.has(f.path)) continue;
      let found = false;
      for (const c of this.pool) {
        if (c.pos.offset > f.size || !(await prefixMatches(f.path, c.pos, f.size, true))) continue;
        start.set(f.path, this.take(c));
        found = true;
        break;
      }
      for (const r of found ? [] : this.followers()) {
        if (r.before && r.before.offset <= f.size && (await prefixMatches(f.path, r.before, f.size, true))) {
          start.set(f.path, { offset: r.before.offset, line: r.before.line });
          r.before = undefined;
          found = true;
          break;
        }
      }
      if (found) continue;
      let copy = false;
      const reading: FileIdentity[] = [
        ...this.followers(),
        ...[...resumedFrom.keys()].map((p) => start.get(p) as IdentifiedPosition),
      ];
      for (const r of reading) {
        if (r.fpBytes > 0 && (await prefixMatches(f.path, r, f.size, true))) copy = true;
      }
      if (copy) continue;
      const legacy = this.legacy.get(f.path);
      if (legacy) {
        this.legacy.delete(f.path);
        start.set(f.path, legacy);
        continue;
      }
      // 3. A new file: read from the start once its fingerprint is complete or its size holds still.
      const seen = this.waiting.get(f.path);
      if (f.size >= FP_BYTES || seen === f.size) start.set(f.path, { offset: 0, line: 0 });
      else this.waiting.set(f.path, f.size);
    }
    // A resumed file takes its content before a truncation along, if no copy claimed it above.
    for (const [path, key] of resumedFrom) {
      const i = this.pool.findIndex((o) => o.fromBefore && o.key === key);
      if (i >= 0) start.get(path)!.before = this.pool.splice(i, 1)[0]!.pos;
    }
    for (const f of fresh) {
      const pos = start.get(f.path);
      if (!pos) continue;
      this.waiting.delete(f.path);
      if (await isGzip(f.path)) {
        this.gzip.add(f.path);
        const reader = new SplitReader(f.path, pos, {
          maxRecordBytes: this.opts.maxRecordBytes,
          path: f.path,
        });
        reader.follow = true;
        this.readers.push(reader);
        used.add(f.path);
        continue;
      }
      try {
        const reader = await FollowReader.open(f.path, pos, this.opts.maxRecordBytes);
        // Renamed between listing and opening: look again next time.
        if (reader.key !== `${f.dev}:${f.ino}`) {
          await reader.close();
          continue;
        }
        this.readers.push(reader);
        used.add(f.path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    if (this.first) {
      // Checkpointed identities whose file is gone are dropped (a copy may still turn up later).
      this.first = false;
      for (const key of this.opts.positions.keys()) if (!used.has(key)) this.forgotten.add(key);
    }
    for (const key of used) this.forgotten.delete(key);
  }

  /** Takes a checkpointed identity out of the pool (with its other entries of the same file). */
  private take(c: { key: string; pos: IdentifiedPosition; fromBefore: boolean }): FollowPosition {
    const i = this.pool.indexOf(c);
    this.pool.splice(i, 1);
    if (c.fromBefore) return { offset: c.pos.offset, line: c.pos.line };
    for (let j = this.pool.length - 1; j >= 0; j--) {
      const o = this.pool[j]!;
      if (!o.fromBefore && o.pos.dev === c.pos.dev && o.pos.ino === c.pos.ino && o.pos.fp === c.pos.fp)
        this.pool.splice(j, 1);
    }
    return { ...c.pos };
  }

  positions(): Record<string, FollowPosition> {
    const out: Record<string, FollowPosition> = {};
    for (const r of this.readers) out[r.split] = r instanceof FollowReader ? r.identity() : r.position;
    return out;
  }

  /** Keys of positions no reader has any more (renamed, gone): the checkpoint drops them. */
  forget(): string[] {
    const out = [...this.forgotten];
    this.forgotten.clear();
    return out;
  }

  async close(): Promise<void> {
    for (const r of this.readers) await r.close();
  }
}
