// Compaction's copy step: merges small committed data files of one partition into fewer, larger ones
// without decoding a row. Line files are concatenated; Parquet row groups are copied byte for byte
// behind a rewritten footer.
import { type FileHandle, open, readFile, rm } from 'node:fs/promises';
import {
  type ColumnChunk,
  type ColumnMetaData,
  type FileMetaData,
  parquetMetadata,
  type RowGroup,
  type SchemaElement,
  type Statistics,
} from 'hyparquet';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { ByteWriter } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { unconvertMinMax } from 'hyparquet-writer/src/unconvert.js';
import type { WarehouseFormat } from './data-file.ts';

/** One file written by mergeDataFiles. */
export interface MergedFile {
  path: string;
  /** Lines (line formats) or num_rows (Parquet). */
  rows: number;
  /** Size of the file. */
  bytes: number;
  /** The inputs whose data went into this file, in merge order (a line file split across outputs is in both). */
  inputs: string[];
}

const NEWLINE = 0x0a;
const PAR1 = 0x31524150;
const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]);

/** What must be equal for files to be merged into one: '' for line formats; for Parquet a key of the file's schema (and codec-independent). */
export async function mergeKey(format: WarehouseFormat, path: string): Promise<string> {
  if (format !== 'parquet') return '';
  return schemaKey(parquetMetadata(await readFooter(path), PARSE_OPTIONS).schema);
}

/**
 * Merges `inputs` (in this order) into new files at output(0), output(1), … (created with flag 'wx', fsynced, closed).
 * A new output starts once the current one holds at least `targetBytes` of input data, so the number of outputs is at most
 * ceil(sum of input sizes / targetBytes). Line formats: byte-exact concatenation, an output may end mid-input but only at a line end.
 * Parquet: row groups are copied byte for byte (no decoding/re-encoding), never split; the footer is rewritten with
 * offsets shifted. Throws if Parquet inputs have different schemas (callers group by mergeKey first).
 * Returns every output with its row count (lines: newline count; Parquet: num_rows) and byte size, and which inputs went into it.
 *
 * Empty inputs go with the output open at that point (or the next one, else the last one); inputs that
 * are all empty make no output. If anything fails, the outputs this call created are removed before it rethrows.
 */
export async function mergeDataFiles(opts: {
  format: WarehouseFormat;
  inputs: string[];
  targetBytes: number;
  output: (index: number) => string;
}): Promise<MergedFile[]> {
  if (!(opts.targetBytes > 0)) throw new Error(`targetBytes must be positive, got ${opts.targetBytes}`);
  const outputs = new Outputs(opts.output);
  try {
    if (opts.format === 'parquet') await mergeParquet(opts.inputs, opts.targetBytes, outputs);
    else await mergeLines(opts.inputs, opts.targetBytes, outputs);
    return outputs.finish();
  } catch (e) {
    await outputs.abort();
    throw e;
  }
}

// ---- Output files ----

/** The outputs of one merge, written one after another; removed again if the merge fails. */
class Outputs {
  readonly merged: MergedFile[] = [];
  /** Input bytes written to the current output (Parquet: row group bytes, not magic or footer). */
  filled = 0;
  private readonly path: (index: number) => string;
  private readonly created: string[] = [];
  private handle: FileHandle | undefined;
  /** Inputs with no data, seen while no output was open. */
  private waiting: string[] = [];

  constructor(path: (index: number) => string) {
    this.path = path;
  }

  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  get current(): MergedFile {
    return this.merged[this.merged.length - 1]!;
  }

  async open(): Promise<void> {
    const path = this.path(this.merged.length);
    this.handle = await open(path, 'wx');
    this.created.push(path);
    this.merged.push({ path, rows: 0, bytes: 0, inputs: this.waiting });
    this.waiting = [];
    this.filled = 0;
  }

  /** Writes `chunks` to the current output; `inputBytes` of them count towards the target. */
  async write(chunks: Uint8Array[], inputBytes: number): Promise<void> {
    const size = chunks.reduce((n, c) => n + c.byteLength, 0);
    const { bytesWritten } = await this.handle!.writev(chunks);
    if (bytesWritten !== size)
      throw new Error(`short write to ${this.current.path}: ${bytesWritten} of ${size}`);
    this.current.bytes += size;
    this.filled += inputBytes;
  }

  /** Records that (some of) `input` went into the current output, or will go into the next. */
  uses(input: string): void {
    const inputs = this.isOpen ? this.current.inputs : this.waiting;
    if (inputs[inputs.length - 1] !== input) inputs.push(input);
  }

  async close(): Promise<void> {
    const handle = this.handle!;
    this.handle = undefined;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  finish(): MergedFile[] {
    if (this.waiting.length > 0 && this.merged.length > 0) this.current.inputs.push(...this.waiting);
    return this.merged;
  }

  async abort(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
    // allSettled: the merge's own error is the one to rethrow.
    await Promise.allSettled(this.created.map((p) => rm(p, { force: true })));
  }
}

/** Reads the inputs in order, each while the one before is being written out. */
async function* readInOrder(paths: string[]): AsyncGenerator<[string, Buffer]> {
  const read = (path: string) => {
    const p = readFile(path);
    p.catch(() => {}); // awaited below, unless the merge has failed already
    return p;
  };
  let next = paths.length > 0 ? read(paths[0]!) : undefined;
  for (let i = 0; i < paths.length; i++) {
    const data = await next!;
    next = i + 1 < paths.length ? read(paths[i + 1]!) : undefined;
    yield [paths[i]!, data];
  }
}

// ---- Line formats ----

async function mergeLines(inputs: string[], targetBytes: number, out: Outputs): Promise<void> {
  for await (const [input, data] of readInOrder(inputs)) {
    if (data.length > 0 && data[data.length - 1] !== NEWLINE) {
      // Concatenated, its last line and the next file's first would become one.
      throw new Error(`${input} does not end with a newline`);
    }
    if (data.length === 0) out.uses(input);
    for (let pos = 0; pos < data.length; ) {
      if (out.isOpen && out.filled >= targetBytes) await out.close();
      if (!out.isOpen) await out.open();
      const end = cutAt(data, pos, targetBytes - out.filled);
      const piece = data.subarray(pos, end);
      await out.write([piece], piece.length);
      out.current.rows += countLines(piece);
      out.uses(input);
      pos = end;
    }
  }
  if (out.isOpen) await out.close();
}

/** Where to end the piece from `pos` so that it fills `room` bytes: the end of the line that reaches it. */
function cutAt(data: Buffer, pos: number, room: number): number {
  if (data.length - pos <= room) return data.length;
  const newline = data.indexOf(NEWLINE, pos + room - 1);
  return newline === -1 ? data.length : newline + 1;
}

function countLines(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(NEWLINE); i !== -1; i = data.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

// ---- Parquet ----

// Statistics, dates and timestamps come out raw (bytes, day numbers, bigints), so that writeMetadata
// turns them back into the same bytes; geoparquet off, so no logical type is made up from key-values.
const PARSE_OPTIONS = {
  parsers: {
    stringFromBytes: (bytes: Uint8Array) => bytes,
    dateFromDays: (days: number) => days,
    timestampFromMilliseconds: (t: bigint) => t,
    timestampFromMicroseconds: (t: bigint) => t,
    timestampFromNanoseconds: (t: bigint) => t,
  },
  geoparquet: false,
};

/** The last bytes of a Parquet file: footer, its length and the magic. */
async function readFooter(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 12) throw new Error(`${path} is not a Parquet file (${size} bytes)`);
    const tail = Buffer.alloc(8);
    await handle.read(tail, 0, 8, size - 8);
    const length = tail.readUInt32LE(0) + 8;
    if (length > size - 4) throw new Error(`${path}: footer length ${length} exceeds the file`);
    const footer = Buffer.alloc(length);
    await handle.read(footer, 0, length, size - length);
    return footer;
  } finally {
    await handle.close();
  }
}

function schemaKey(schema: SchemaElement[]): string {
  return JSON.stringify(
    schema.map((e) => [
      e.name,
      e.type,
      e.type_length,
      e.repetition_type,
      e.num_children,
      e.converted_type,
      e.scale,
      e.precision,
      e.field_id,
      e.logical_type,
    ]),
  );
}

/** A footer's Thrift as read, for the statistics' bytes (the parsed metadata has them converted). */
interface RawStatistics {
  field_1?: Uint8Array;
  field_2?: Uint8Array;
  field_5?: Uint8Array;
  field_6?: Uint8Array;
  field_9?: bigint;
}
interface RawFooter {
  field_4?: { field_1: { field_3?: { field_12?: RawStatistics } }[] }[];
  /** encryption_algorithm */
  field_8?: unknown;
}

interface ParquetInput {
  path: string;
  data: Buffer;
  meta: FileMetaData;
  raw: RawFooter;
  /** Where the footer starts: row groups must lie before it. */
  footerStart: number;
}

function parseInput(path: string, data: Buffer): ParquetInput {
  if (data.length < 12 || data.readUInt32LE(0) !== PAR1) throw new Error(`${path} is not a Parquet file`);
  const footerStart = data.length - 8 - data.readUInt32LE(data.length - 8);
  const meta = parquetMetadata(data, PARSE_OPTIONS);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const raw = deserializeTCompactProtocol({ view, offset: footerStart }) as RawFooter;
  if (raw.field_8 !== undefined) throw new Error(`${path} is encrypted`);
  return { path, data, meta, raw, footerStart };
}

// Logical types that writeMetadata writes as hyparquet read them. Not INTEGER (its bit width goes out
// as an i32, which DuckDB rejects), VARIANT (loses its specification version), geo types (unverified).
const REWRITABLE_LOGICAL_TYPES = new Set([
  'STRING',
  'MAP',
  'LIST',
  'ENUM',
  'DECIMAL',
  'DATE',
  'TIME',
  'TIMESTAMP',
  'NULL',
  'JSON',
  'BSON',
  'UUID',
  'FLOAT16',
]);

function assertRewritable({ path, meta }: ParquetInput): void {
  for (const e of meta.schema) {
    const type = e.logical_type?.type;
    if (e.logical_type && !(type && REWRITABLE_LOGICAL_TYPES.has(type))) {
      throw new Error(
        `${path}: column ${e.name} has a logical type a merge cannot keep (${type ?? 'unknown'})`,
      );
    }
  }
}

/** What every output's footer takes from the first input. */
type FooterHead = Pick<FileMetaData, 'version' | 'schema' | 'key_value_metadata' | 'created_by'>;

async function mergeParquet(inputs: string[], targetBytes: number, out: Outputs): Promise<void> {
  let first: { path: string; key: string; head: FooterHead } | undefined;
  let groups: RowGroup[] = [];
  const closeOutput = async () => {
    await out.write([footerBytes(first!.head, groups)], 0);
    groups = [];
    await out.close();
  };
  for await (const [path, data] of readInOrder(inputs)) {
    const input = parseInput(path, data);
    const key = schemaKey(input.meta.schema);
    if (!first) {
      assertRewritable(input);
      const { version, schema, key_value_metadata, created_by } = input.meta;
      first = { path, key, head: { version, schema, key_value_metadata, created_by } };
    }
    if (key !== first.key)
      throw new Error(`cannot merge ${path}: its schema differs from that of ${first.path}`);
    if (input.meta.row_groups.length === 0) out.uses(path);
    for (let g = 0; g < input.meta.row_groups.length; g++) {
      if (out.isOpen && out.filled >= targetBytes) await closeOutput();
      if (!out.isOpen) {
        await out.open();
        await out.write([MAGIC], 0);
      }
      const range = byteRange(input, g);
      groups.push(relocate(input, g, range, BigInt(out.current.bytes) - range.start, groups.length));
      await out.write(
        [data.subarray(Number(range.start), Number(range.end))],
        Number(range.end - range.start),
      );
      out.current.rows += Number(input.meta.row_groups[g]!.num_rows);
      out.uses(path);
    }
  }
  if (out.isOpen) await closeOutput();
}

function footerBytes(head: FooterHead, rowGroups: RowGroup[]): Uint8Array {
  const writer = new ByteWriter();
  const metadata: FileMetaData = {
    ...head,
    num_rows: rowGroups.reduce((n, g) => n + g.num_rows, 0n),
    row_groups: rowGroups,
    metadata_length: 0, // not written
  };
  // No truncation: byte-array min/max go out as they came in (already truncated by their writer).
  writeMetadata(writer, metadata, Infinity); // appends the footer length too
  writer.appendUint32(PAR1);
  return writer.getBytes();
}

/** A chunk's dictionary page offset; 0 is some writers' way of saying there is none. */
function dictionaryOffset(m: ColumnMetaData): bigint | undefined {
  return m.dictionary_page_offset ? m.dictionary_page_offset : undefined;
}

function chunkStart(m: ColumnMetaData): bigint {
  const dictionary = dictionaryOffset(m);
  return dictionary !== undefined && dictionary < m.data_page_offset ? dictionary : m.data_page_offset;
}

interface ByteRange {
  start: bigint;
  end: bigint;
}

/** The bytes of row group `g`: from its first page to the end of its last column chunk. */
function byteRange(input: ParquetInput, g: number): ByteRange {
  let start: bigint | undefined;
  let end = 0n;
  for (const c of input.meta.row_groups[g]!.columns) {
    if (!c.meta_data || c.file_path || c.crypto_metadata || c.encrypted_column_metadata) {
      throw new Error(`${input.path}: row group ${g} has a column chunk stored elsewhere or encrypted`);
    }
    const s = chunkStart(c.meta_data);
    const e = s + c.meta_data.total_compressed_size;
    if (start === undefined || s < start) start = s;
    if (e > end) end = e;
  }
  if (start === undefined || start < 4n || end > BigInt(input.footerStart)) {
    throw new Error(`${input.path}: row group ${g} lies outside the file's data`);
  }
  return { start, end };
}

/** Row group `g` of `input` as it is in the output: `shift` bytes further, without page indexes or blooms. */
function relocate(
  input: ParquetInput,
  g: number,
  { start, end }: ByteRange,
  shift: bigint,
  ordinal: number,
): RowGroup {
  const rg = input.meta.row_groups[g]!;
  const leaves = input.meta.schema.filter((e) => e.type);
  const rawColumns = input.raw.field_4?.[g]?.field_1;
  const columns = rg.columns.map((c, i) => {
    const stats = exactStatistics(c.meta_data!.statistics, rawColumns?.[i]?.field_3?.field_12, leaves[i]!);
    return relocateChunk(c, shift, stats);
  });
  return {
    columns,
    total_byte_size: rg.total_byte_size,
    num_rows: rg.num_rows,
    sorting_columns: rg.sorting_columns,
    file_offset: start + shift,
    total_compressed_size: rg.total_compressed_size ?? end - start,
    ordinal, // (writeMetadata leaves it out, as in hyparquet-writer's own files)
  };
}

function relocateChunk(c: ColumnChunk, shift: bigint, statistics: Statistics | undefined): ColumnChunk {
  const m = c.meta_data!;
  const shifted = (offset: bigint | undefined) => (offset === undefined ? undefined : offset + shift);
  // offset_index_*, column_index_* and bloom_filter_* are left out: those structures are not copied.
  return {
    file_offset: c.file_offset + shift,
    meta_data: {
      type: m.type,
      encodings: m.encodings,
      path_in_schema: m.path_in_schema,
      codec: m.codec,
      num_values: m.num_values,
      total_uncompressed_size: m.total_uncompressed_size,
      total_compressed_size: m.total_compressed_size,
      key_value_metadata: m.key_value_metadata,
      data_page_offset: m.data_page_offset + shift,
      index_page_offset: shifted(m.index_page_offset),
      dictionary_page_offset: shifted(dictionaryOffset(m)),
      statistics,
      encoding_stats: m.encoding_stats,
      size_statistics: m.size_statistics,
      geospatial_statistics: m.geospatial_statistics,
    },
  };
}

const MIN_MAX = [
  ['max', 'field_1', true],
  ['min', 'field_2', false],
  ['max_value', 'field_5', true],
  ['min_value', 'field_6', false],
] as const;

/**
 * The chunk's statistics with min/max values that writeMetadata turns back into exactly the bytes
 * the input held. Each value is checked by encoding it as writeMetadata will and comparing bytes;
 * DECIMAL values are passed as their unscaled bigint (hyparquet parses them into a lossy double).
 * When any value does not reproduce, the chunk keeps only its counts: no bound beats a wrong one.
 */
function exactStatistics(
  stats: Statistics | undefined,
  raw: RawStatistics | undefined,
  element: SchemaElement,
): Statistics | undefined {
  if (!stats || !raw) return stats;
  const counts = {
    null_count: stats.null_count,
    distinct_count: stats.distinct_count,
    nan_count: raw.field_9, // hyparquet's parse leaves it out; writeMetadata writes it
  };
  const exact: Statistics = {
    ...counts,
    is_max_value_exact: stats.is_max_value_exact,
    is_min_value_exact: stats.is_min_value_exact,
  };
  for (const [key, field, isMax] of MIN_MAX) {
    const bytes = raw[field];
    if (bytes === undefined) continue;
    const value = element.converted_type === 'DECIMAL' ? unscaledDecimal(bytes, element) : stats[key];
    if (!reproduces(value, element, isMax, bytes)) return counts;
    // A copy: a view would keep the whole input in memory until the output's footer is written.
    exact[key] = value instanceof Uint8Array ? value.slice() : value;
  }
  return exact;
}

/** A DECIMAL statistic's unscaled value: plain INT32/INT64 (little-endian) or big-endian two's complement. */
function unscaledDecimal(bytes: Uint8Array, element: SchemaElement): bigint | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (element.type === 'INT32') return bytes.length === 4 ? BigInt(view.getInt32(0, true)) : undefined;
  if (element.type === 'INT64') return bytes.length === 8 ? view.getBigInt64(0, true) : undefined;
  if (bytes.length === 0) return undefined;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return bytes[0]! & 0x80 ? v - (1n << BigInt(bytes.length * 8)) : v;
}

function reproduces(
  value: Statistics['min'] | undefined,
  element: SchemaElement,
  isMax: boolean,
  bytes: Uint8Array,
): boolean {
  try {
    const encoded = unconvertMinMax(value, element, isMax, Infinity);
    return encoded !== undefined && Buffer.compare(encoded, bytes) === 0;
  } catch {
    return false; // a value writeMetadata cannot encode
  }
}
