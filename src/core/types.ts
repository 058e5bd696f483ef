// The logical type system's data model (no parsing, no I/O). See src/types/ for the
// parser, printer and the physical derivations (Hive, Flink, Avro, Parquet, JSON Schema).

export type PrimitiveKind =
  | 'BOOLEAN'
  | 'TINYINT'
  | 'SMALLINT'
  | 'INT'
  | 'BIGINT'
  | 'FLOAT'
  | 'DOUBLE'
  | 'STRING'
  | 'BINARY'
  | 'DATE'
  | 'JSON';

/** Every type node carries its own nullability, as in Flink (`ARRAY<INT NOT NULL> NOT NULL`). */
export type LogicalType =
  | { kind: PrimitiveKind; nullable: boolean }
  | { kind: 'DECIMAL'; precision: number; scale: number; nullable: boolean }
  | { kind: 'VARCHAR'; length: number; nullable: boolean }
  | { kind: 'TIMESTAMP' | 'TIMESTAMP_LTZ'; precision: number; nullable: boolean }
  | { kind: 'ARRAY'; element: LogicalType; nullable: boolean }
  | { kind: 'MAP'; key: LogicalType; value: LogicalType; nullable: boolean }
  | { kind: 'ROW'; fields: RowField[]; nullable: boolean };

export type TypeKind = LogicalType['kind'];

export interface RowField {
  name: string;
  type: LogicalType;
  comment?: string;
}

/** A top-level column of a table schema. */
export interface Column {
  name: string;
  type: LogicalType;
  /** Field of the parsed/extended record the value comes from (dotted path allowed); defaults to `name`. */
  from?: string;
  /** Value used when the source field is missing or null (already in the column's runtime form). */
  default?: unknown;
  comment?: string;
  /** What the formatter does with a value it cannot cast: an error record (default) or null. */
  onError: 'error' | 'null';
  /** Input formats tried, in order, when casting a string to DATE/TIMESTAMP (Java-style patterns). */
  formats?: string[];
  /** Time zone for parsing zone-less timestamp strings into TIMESTAMP_LTZ (IANA name). */
  timezone?: string;
}

export interface TableSchema {
  columns: Column[];
}
