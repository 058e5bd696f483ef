// Records, rows and batches as they move between stages (no I/O).
//
// Runtime form of each logical type inside a Row (what the formatter produces and every
// loader consumes):
//   BOOLEAN                  boolean
//   TINYINT SMALLINT INT     number (integer)
//   BIGINT                   bigint
//   FLOAT DOUBLE             number
//   DECIMAL(p,s)             bigint: the unscaled value (value × 10^s), so no float rounding
//   STRING VARCHAR(n)        string
//   BINARY                   Uint8Array
//   DATE                     number: days since 1970-01-01
//   TIMESTAMP(p)             number: microseconds since 1970-01-01 00:00:00 (wall clock, no zone)
//   TIMESTAMP_LTZ(p)         number: microseconds since the epoch (an instant, UTC)
//   ARRAY<T>                 Value[]
//   MAP<K,V>                 Map<Value, Value>
//   ROW<...>                 { [field]: Value }
//   JSON                     string: the value's JSON text
// and null for a null of any type.

export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Value[]
  | Map<Value, Value>
  | { [field: string]: Value };

export type Row = { [column: string]: Value };

/** Where a raw record came from, precise enough to resume after it. */
export interface SourcePosition {
  /** The split: a file path, or `topic/partition` for Kafka. */
  split: string;
  /** Byte offset of the record's start in a file, or the Kafka offset. */
  offset: number;
  /** Line number in a file (1-based), when known; for messages only. */
  line?: number;
}

/** One raw record as a source hands it over. `text` is the UTF-8 decoding (invalid bytes → U+FFFD). */
export interface RawRecord {
  bytes: Uint8Array;
  text: string;
  position: SourcePosition;
  /** Kafka message timestamp (ms) or file modification time; optional. */
  timestamp?: number;
}

export type RawBatch = RawRecord[];

/** A parsed/extended record before the formatter casts it to the table schema. */
export type ParsedRecord = { [field: string]: unknown };
