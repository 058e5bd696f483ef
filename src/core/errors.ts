// Error records: every stage diverts a failing record here instead of throwing.
import type { SourcePosition } from './record.ts';

/** Stable, documented error codes (docs/errors.md). Never rename one; add new ones. */
export const ERROR_CODES = {
  FILTER_REGEX: 'filter regex could not be evaluated on the record',
  PREPROCESS: 'the preprocess UDF failed',
  PARSE_JSON: 'the record (or the oplog body) is not valid JSON',
  PARSE_REGEX_NO_MATCH: 'the regex parser pattern did not match the record',
  PARSE_REGEX_TIMEOUT: 'the regex took too long on this record',
  PARSE_CSV: 'the record is not valid CSV for the declared columns',
  PARSE_OPLOG_HEADER: 'the operation-log header pattern did not match',
  RECORD_TOO_LARGE: 'the record is larger than the configured limit',
  GZIP_UNREADABLE: 'a .gz file is truncated or not gzip: the rest of it was skipped',
  EXTEND_FLATTEN: 'the flatten extender could not flatten the field',
  EXPR: 'an expression (derive, drop_when or a sink condition) failed on this record',
  UDF: 'a JS or Python UDF raised an error',
  UDF_TIMEOUT: 'a UDF ran past its time limit',
  CAST: 'a value could not be cast to the declared type',
  NOT_NULL: 'a NOT NULL column got no value',
  SINK: 'a loader could not write the row',
  DECODE_AVRO: 'the Kafka message is not Confluent-framed Avro that its registered schema decodes',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export type Stage = 'filter' | 'preprocess' | 'parser' | 'extend' | 'formatter' | 'splitter' | 'loader';

export interface ErrorRecord {
  code: ErrorCode;
  stage: Stage;
  /** Table the record was routed to; null before routing. */
  table: string | null;
  /** The raw input, exactly as read: kept as bytes so invalid UTF-8 and binary survive. */
  raw: Uint8Array;
  /** Class of the underlying error, e.g. SyntaxError, RangeError, a Python exception type. */
  errorClass: string;
  message: string;
  /** Column / field the error is about, when there is one. */
  field?: string;
  position: SourcePosition;
  configVersion: string;
  /** When the error happened, ms since epoch. */
  time: number;
}

/** Thrown by per-record stage code (parsers, casts, expressions); the pipeline turns it into an ErrorRecord. */
export class StageError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly errorClass: string;
  constructor(
    code: ErrorCode,
    message: string,
    options: { field?: string; errorClass?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'StageError';
    this.code = code;
    this.field = options.field;
    this.errorClass =
      options.errorClass ?? (options.cause instanceof Error ? options.cause.name : 'StageError');
  }
}
