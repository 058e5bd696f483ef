// One open data file of a partition: rows in, bytes out, in one of the three formats.
import { close, closeSync, fsync, openSync, rmSync, writeSync } from 'node:fs';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import type { CompressionCodec } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { Row, Value } from '../../core/record.ts';
import type { Column, LogicalType } from '../../core/types.ts';
import { exactMicros } from '../../expr/time.ts';
import { type BufferBudget, type BufferedFile, workerBufferBudget } from './buffer-budget.ts';
import { jsonLineEncoder } from './json-lines.ts';
import { parquetSchema } from './parquet-schema.ts';
import { textLineEncoder } from './text-lines.ts';

export type WarehouseFormat = 'parquet' | 'json' | 'text';
export type WarehouseCompression = 'zstd' | 'snappy' | 'gzip' | 'none';

export interface DataFileWriter {
  append(row: Row): void;
  readonly rows: number;
  /** Bytes written so far plus an estimate of what is still buffered. */
  readonly bytes: number;
  /**
   * Writes out what is buffered and returns the file's final size; `durable` settles once the file
   * is fsynced and closed (off the thread: a checkpoint of 1,000 tables syncs thousands of files).
   */
  close(): { bytes: number; durable: Promise<void> };
  /**
   * Row formats only (`keepsOpen`): writes out what is buffered and returns the size so far, the
   * committed length a checkpoint records; `durable` settles once it is fsynced. The file stays open.
   */
  sync?(): { bytes: number; durable: Promise<void> };
  /** Closes and deletes the file. */
  abort(): void;
}

export const FORMAT_EXTENSION: Record<WarehouseFormat, string> = {
  parquet: '.parquet',
  json: '.json',
  text: '.txt',
};

/** Rows per Parquet row group, and the buffered bytes that flush a row group early. */
export const ROW_GROUP_ROWS = 16_384;
export const ROW_GROUP_BYTES = 32 * 1024 * 1024;
const FLUSH_BYTES = 1024 * 1024;
const INITIAL_WRITE_BUFFER = 16 * 1024;

export function openDataFile(
  path: string,
  columns: Column[],
  format: WarehouseFormat,
  compression: WarehouseCompression,
  budget: BufferBudget = workerBufferBudget,
): DataFileWriter {
  if (format === 'parquet') return new ParquetDataFile(path, columns, compression, budget);
  return new LineDataFile(path, format === 'json' ? jsonLineEncoder(columns) : textLineEncoder(columns));
}

/** fsync then close, on libuv's pool; the fd is closed even when the fsync fails. */
function syncAndClose(fd: number): Promise<void> {
  return new Promise((resolve, reject) =>
    fsync(fd, (syncError) =>
      close(fd, (closeError) => ((syncError ?? closeError) ? reject(syncError ?? closeError) : resolve())),
    ),
  );
}

class LineDataFile implements DataFileWriter {
  rows = 0;
  bytes = 0;
  private readonly fd: number;
  private readonly path: string;
  private readonly encode: (row: Row) => string;
  private pending: string[] = [];
  private pendingBytes = 0;

  constructor(path: string, encode: (row: Row) => string) {
    this.path = path;
    this.encode = encode;
    this.fd = openSync(path, 'wx');
  }

  append(row: Row): void {
    const line = `${this.encode(row)}\n`;
    const n = Buffer.byteLength(line);
    this.pending.push(line);
    this.pendingBytes += n;
    this.bytes += n;
    this.rows++;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): { bytes: number; durable: Promise<void> } {
    this.flush();
    return { bytes: this.bytes, durable: syncAndClose(this.fd) };
  }

  sync(): { bytes: number; durable: Promise<void> } {
    this.flush();
    const durable = new Promise<void>((resolve, reject) =>
      fsync(this.fd, (e) => (e ? reject(e) : resolve())),
    );
    return { bytes: this.bytes, durable };
  }

  abort(): void {
    this.pending = [];
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }
}

const CODEC: Record<WarehouseCompression, CompressionCodec> = {
  zstd: 'ZSTD',
  snappy: 'SNAPPY',
  gzip: 'GZIP',
  none: 'UNCOMPRESSED',
};

const COMPRESSORS = {
  ZSTD: (input: Uint8Array) => new Uint8Array(zstdCompressSync(input)),
  GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)),
};

/** A hyparquet-writer ByteWriter that spills its buffer to a file descriptor. */
function fdWriter(fd: number): ByteWriter {
  // Small at first (it doubles as needed): a worker may hold a thousand open files.
  const writer = new ByteWriter(INITIAL_WRITE_BUFFER);
  const spill = () => {
    if (writer.index > 0) writeSync(fd, new Uint8Array(writer.buffer, 0, writer.index));
    writer.index = 0;
  };
  const grow = writer.ensure.bind(writer);
  writer.ensure = (size: number) => {
    if (writer.index > FLUSH_BYTES) spill();
    grow(size);
  };
  Object.assign(writer, { flush: spill, finish: spill });
  return writer;
}

/** Rough heap size of a value of any type: what a row group buffer costs in memory. */
function estimate(v: Value): number {
  if (v === null) return 8;
  if (typeof v === 'string') return v.length + 16;
  if (typeof v === 'number' || typeof v === 'boolean') return 8;
  if (typeof v === 'bigint') return 24;
  if (v instanceof Uint8Array) return v.byteLength + 64;
  if (Array.isArray(v)) {
    let n = 16 + 8 * v.length;
    for (const x of v) n += estimate(x);
    return n;
  }
  if (v instanceof Map) {
    let n = 32;
    for (const [k, x] of v) n += 16 + estimate(k) + estimate(x);
    return n;
  }
  let n = 24;
  for (const k in v) n += 8 + estimate(v[k]!);
  return n;
}

/** The size estimate of one column's values: constant for fixed-width types, so per-row work stays small. */
function columnEstimator(type: LogicalType): (v: Value) => number {
  switch (type.kind) {
    case 'BOOLEAN':
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'FLOAT':
    case 'DOUBLE':
    case 'DATE':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return () => 8;
    case 'BIGINT':
    case 'DECIMAL':
      return () => 24;
    case 'STRING':
    case 'VARCHAR':
    case 'JSON':
      return (v) => (typeof v === 'string' ? v.length + 16 : 8);
    default:
      return estimate;
  }
}

/**
 * Whether a column gets min/max statistics. Skipped for JSON text and nested columns: min/max of
 * long unique text costs a large share of the encoding time and no reader prunes on them.
 */
function wantsStatistics(type: LogicalType): boolean {
  return !['JSON', 'ARRAY', 'MAP', 'ROW', 'BINARY'].includes(type.kind);
}

class ParquetDataFile implements DataFileWriter, BufferedFile {
  rows = 0;
  bufferedBytes = 0;
  private readonly fd: number;
  private readonly path: string;
  private readonly names: string[];
  private readonly sizes: ((v: Value) => number)[];
  /** Columns whose values need converting before the writer (far-future TIMESTAMPs, see exactMicros). */
  private readonly timestamps: boolean[];
  private readonly statistics: boolean[];
  private readonly writer: ByteWriter;
  private readonly parquet: ParquetWriter;
  private readonly budget: BufferBudget;
  /** Buffered values, one array per column (rows are not kept as objects). */
  private buffers: Value[][];
  private bufferedRows = 0;

  constructor(path: string, columns: Column[], compression: WarehouseCompression, budget: BufferBudget) {
    this.path = path;
    this.names = columns.map((c) => c.name);
    this.sizes = columns.map((c) => columnEstimator(c.type));
    this.timestamps = columns.map((c) => c.type.kind === 'TIMESTAMP' || c.type.kind === 'TIMESTAMP_LTZ');
    this.statistics = columns.map((c) => wantsStatistics(c.type));
    this.buffers = columns.map(() => []);
    this.budget = budget;
    this.fd = openSync(path, 'wx');
    this.writer = fdWriter(this.fd);
    this.parquet = new ParquetWriter({
      writer: this.writer,
      schema: parquetSchema(columns),
      codec: CODEC[compression],
      compressors: COMPRESSORS,
      createdBy: 'weir',
    });
    budget.register(this);
  }

  get bytes(): number {
    return this.writer.offset + this.bufferedBytes;
  }

  append(row: Row): void {
    const { names, sizes, buffers, timestamps } = this;
    let size = 0;
    for (let i = 0; i < names.length; i++) {
      let v = row[names[i]!] ?? null;
      if (timestamps[i] && typeof v === 'number' && !Number.isSafeInteger(v)) v = exactMicros(v);
      size += sizes[i]!(v);
      buffers[i]!.push(v);
    }
    this.bufferedRows++;
    this.bufferedBytes += size;
    this.rows++;
    this.budget.changed(size);
    if (this.bufferedRows >= ROW_GROUP_ROWS || this.bufferedBytes >= ROW_GROUP_BYTES) this.flushBuffered();
  }

  flushBuffered(): void {
    if (this.bufferedRows === 0) return;
    const buffers = this.buffers;
    const rowGroupSize = this.bufferedRows;
    const released = this.bufferedBytes;
    this.buffers = this.names.map(() => []);
    this.bufferedRows = 0;
    this.bufferedBytes = 0;
    const columnData = this.names.map((name, i) => ({
      name,
      data: buffers[i]!,
      statistics: this.statistics[i]!,
    }));
    // A sync writer makes ParquetWriter.write synchronous.
    void this.parquet.write({ columnData, rowGroupSize });
    this.budget.changed(-released);
  }

  close(): { bytes: number; durable: Promise<void> } {
    this.flushBuffered();
    this.budget.unregister(this, 0);
    void this.parquet.finish();
    return { bytes: this.writer.offset, durable: syncAndClose(this.fd) };
  }

  abort(): void {
    this.budget.unregister(this, this.bufferedBytes);
    this.buffers = [];
    this.bufferedRows = 0;
    this.bufferedBytes = 0;
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }
}
