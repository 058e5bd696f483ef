// One open data file of a partition: rows in, bytes out, in one of the three formats.
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import type { CompressionCodec } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { Row, Value } from '../../core/record.ts';
import type { Column } from '../../core/types.ts';
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
  /** Flushes and closes the file; returns its final size in bytes. */
  close(): number;
  /** Closes and deletes the file. */
  abort(): void;
}

export const FORMAT_EXTENSION: Record<WarehouseFormat, string> = {
  parquet: '.parquet',
  json: '.json',
  text: '.txt',
};

/** Rows per Parquet row group, and the buffered bytes that flush a row group early. */
export const ROW_GROUP_ROWS = 65_536;
export const ROW_GROUP_BYTES = 64 * 1024 * 1024;
const FLUSH_BYTES = 1024 * 1024;

export function openDataFile(
  path: string,
  columns: Column[],
  format: WarehouseFormat,
  compression: WarehouseCompression,
): DataFileWriter {
  if (format === 'parquet') return new ParquetDataFile(path, columns, compression);
  return new LineDataFile(path, format === 'json' ? jsonLineEncoder(columns) : textLineEncoder(columns));
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

  close(): number {
    this.flush();
    // Durable before the checkpoint manifest names it.
    fsyncSync(this.fd);
    closeSync(this.fd);
    return this.bytes;
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
  const writer = new ByteWriter(FLUSH_BYTES * 2);
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

/** Rough in-memory size of a value, to cut row groups by bytes. */
function estimate(v: Value): number {
  if (v === null) return 1;
  if (typeof v === 'string') return v.length + 4;
  if (v instanceof Uint8Array) return v.byteLength + 4;
  if (Array.isArray(v)) return v.reduce<number>((n, x) => n + estimate(x), 4);
  if (v instanceof Map) {
    let n = 4;
    for (const [k, x] of v) n += estimate(k) + estimate(x);
    return n;
  }
  if (typeof v === 'object') {
    let n = 4;
    for (const k in v) n += estimate(v[k]!);
    return n;
  }
  return 8;
}

class ParquetDataFile implements DataFileWriter {
  rows = 0;
  private readonly fd: number;
  private readonly path: string;
  private readonly columns: Column[];
  private readonly writer: ByteWriter;
  private readonly parquet: ParquetWriter;
  private buffered: Row[] = [];
  private bufferedBytes = 0;

  constructor(path: string, columns: Column[], compression: WarehouseCompression) {
    this.path = path;
    this.columns = columns;
    this.fd = openSync(path, 'wx');
    this.writer = fdWriter(this.fd);
    this.parquet = new ParquetWriter({
      writer: this.writer,
      schema: parquetSchema(columns),
      codec: CODEC[compression],
      compressors: COMPRESSORS,
      createdBy: 'weir',
    });
  }

  get bytes(): number {
    return this.writer.offset + this.bufferedBytes;
  }

  append(row: Row): void {
    this.buffered.push(row);
    for (const c of this.columns) this.bufferedBytes += estimate(row[c.name] ?? null);
    this.rows++;
    if (this.buffered.length >= ROW_GROUP_ROWS || this.bufferedBytes >= ROW_GROUP_BYTES) this.flushRowGroup();
  }

  private flushRowGroup(): void {
    const rows = this.buffered;
    if (rows.length === 0) return;
    this.buffered = [];
    this.bufferedBytes = 0;
    const columnData = this.columns.map((c) => ({ name: c.name, data: rows.map((r) => r[c.name] ?? null) }));
    // A sync writer makes ParquetWriter.write synchronous.
    void this.parquet.write({ columnData, rowGroupSize: rows.length });
  }

  close(): number {
    this.flushRowGroup();
    void this.parquet.finish();
    const size = this.writer.offset;
    fsyncSync(this.fd);
    closeSync(this.fd);
    return size;
  }

  abort(): void {
    this.buffered = [];
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }
}
