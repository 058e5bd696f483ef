// A memory budget for rows buffered in open data files, shared by every loader of a worker, so
// memory does not grow with the number of open files (one per table × partition) or the input.
// When the estimated total passes the limit, the largest buffers are written out early (as
// smaller Parquet row groups) until the total is back to half the limit.

/** A data file that holds rows in memory until it writes them. */
export interface BufferedFile {
  /** Estimated bytes of the rows it holds. */
  readonly bufferedBytes: number;
  /** Writes the rows it holds (e.g. as a Parquet row group). */
  flushBuffered(): void;
}

export class BufferBudget {
  readonly limit: number;
  private total = 0;
  private readonly files = new Set<BufferedFile>();

  constructor(limit: number) {
    if (!(limit > 0)) throw new Error(`a buffer budget must be a positive number of bytes, got ${limit}`);
    this.limit = limit;
  }

  /** Estimated bytes held by every registered file. */
  get bytes(): number {
    return this.total;
  }

  register(file: BufferedFile): void {
    this.files.add(file);
  }

  /** Forgets a file (closed or aborted); `heldBytes` is what it still counted. */
  unregister(file: BufferedFile, heldBytes: number): void {
    if (this.files.delete(file)) this.total -= heldBytes;
  }

  /** A file's buffer changed by `delta` bytes; over the limit, flushes the largest buffers. */
  changed(delta: number): void {
    this.total += delta;
    if (this.total > this.limit) this.relieve();
  }

  private relieve(): void {
    const target = this.limit / 2;
    const largest = [...this.files].sort((a, b) => b.bufferedBytes - a.bufferedBytes);
    for (const f of largest) {
      if (this.total <= target || f.bufferedBytes === 0) break;
      // flushBuffered reports its own negative change back through `changed`.
      f.flushBuffered();
    }
  }
}

/** Default budget of a worker: estimated bytes of buffered rows across all its open files. */
export const DEFAULT_BUFFER_BYTES = 64 * 1024 * 1024;

/** The budget shared by the loaders of this thread (each worker is its own thread). */
export const workerBufferBudget = new BufferBudget(DEFAULT_BUFFER_BYTES);
