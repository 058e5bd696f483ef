// The weir.yaml project model: one zod schema gives validation, the TypeScript types,
// the JSON Schema export (`weir schema`) and the reference docs (descriptions).
// Cross-reference checks (unknown source/table/field, ...) live in validate.ts. Each sink kind's
// config spec lives in its folder (src/sinks/<kind>/spec.ts).
import { z } from 'zod';
import { ConsoleSink } from '../sinks/console/spec.ts';
import { Compaction, HiveSink } from '../sinks/hive/spec.ts';
import { KafkaSink } from '../sinks/kafka/spec.ts';
import { entityName } from './names.ts';

/** A UDF reference: `udf/file.js#function` (JS) or `udf/file.py#function` (Python). */
export const UdfRef = z
  .union([
    z
      .string()
      .describe('path#function; the language follows the extension (.js/.mjs/.ts → JS, .py → Python)'),
    z.strictObject({ js: z.string().describe('udf/file.js#function') }).describe('a JS module function'),
    z.strictObject({ python: z.string().describe('udf/file.py#function') }).describe('a Python function'),
  ])
  .describe('A user-defined function in the project folder');

export const FilesSource = z
  .strictObject({
    path: z.union([z.string(), z.array(z.string()).min(1)]).describe('glob(s) relative to the project'),
    follow: z
      .boolean()
      .default(false)
      .describe(
        'keep tailing the files (like tail -F) instead of ending, through log rotation by rename or copytruncate (docs/files.md). A bounded run reads a big file (> 32 MiB) as several byte-range splits shared by the workers; a followed file is one split — positions are kept per split, so do not switch a project between the two over the same files',
      ),
  })
  .describe('Read newline-separated records from files (plain or .gz)');

export const KafkaSource = z
  .strictObject({
    brokers: z.array(z.string()).min(1).describe('bootstrap servers, host:port'),
    topic: z.union([z.string(), z.array(z.string()).min(1)]).describe('topic name(s) to consume'),
    group: z.string().describe('consumer group id'),
    start: z
      .union([
        z.enum(['earliest', 'latest']),
        z.strictObject({ timestamp: z.union([z.number(), z.string()]) }),
      ])
      .default('earliest')
      .describe('where a new group starts reading'),
    format: z.enum(['raw', 'avro']).default('raw').describe('raw bytes, or Confluent-framed Avro'),
    registry: z.string().optional().describe('schema registry URL, for format: avro'),
    separate_realtime: z
      .boolean()
      .default(false)
      .describe('run Kafka sinks and warehouse sinks as two jobs with their own consumer groups'),
  })
  .describe('Consume a Kafka topic; partitions are the splits');

export const Source = z
  .strictObject({
    files: FilesSource.optional(),
    stdin: z.strictObject({}).optional().describe('read records from standard input'),
    kafka: KafkaSource.optional(),
    max_record_bytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024)
      .describe('a longer record becomes a RECORD_TOO_LARGE error record'),
  })
  .refine((s) => [s.files, s.stdin, s.kafka].filter(Boolean).length === 1, {
    message: 'a source needs exactly one of: files, stdin, kafka',
  })
  .describe('Where raw records come from: exactly one of files, stdin, kafka');

export const Filter = z
  .strictObject({
    contains: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('route when the record contains ANY of these'),
    contains_all: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('route when it contains ALL of these'),
    regex: z.string().optional().describe('route when this regex matches (evaluated after the keywords)'),
  })
  .describe('Which raw records of the source belong to this table; no filter = every record');

export const Parser = z
  .union([
    z.strictObject({
      json: z
        .strictObject({})
        .describe(
          'one JSON object per record; its fields become fields. Numbers stay exact: integers beyond 2^53 as bigints, and a number with more digits than a double holds (16 or more) as its text, so a DECIMAL or STRING column gets every digit',
        ),
    }),
    z.strictObject({
      regex: z
        .strictObject({ pattern: z.string().describe('named groups become fields') })
        .describe('a regular expression with named groups, e.g. (?<ip>\\S+)'),
    }),
    z.strictObject({
      csv: z
        .strictObject({
          delimiter: z.string().length(1).default(',').describe('separates fields'),
          quote: z
            .string()
            .length(1)
            .default('"')
            .describe('quotes a field holding delimiters, quotes or newlines'),
          columns: z.array(z.string()).min(1).optional().describe('field names; omit to use header'),
          header: z.boolean().default(false).describe('the first line of each file is a header (skipped)'),
        })
        .describe('comma-separated values (RFC 4180)'),
    }),
    z.strictObject({
      oplog: z
        .strictObject({
          header: z
            .string()
            .describe('regex for the fixed header; named groups become fields; the JSON body follows'),
          body: z.string().optional().describe('put the body under this field instead of merging it'),
        })
        .describe('an operation log: a fixed header, then a JSON body'),
    }),
  ])
  .describe('How a raw line becomes a record: json, regex, csv or oplog');

export const Extender = z
  .union([
    z.strictObject({
      flatten: z
        .strictObject({
          field: z.string().describe('the nested object/array field to flatten'),
          prefix: z
            .string()
            .optional()
            .describe('prefix for the new columns (default: field name + separator)'),
          separator: z.string().default('_').describe('joins the path of nested keys'),
          max_depth: z
            .number()
            .int()
            .positive()
            .default(8)
            .describe('deeper values stay nested objects in the last column'),
          arrays: z
            .enum(['keep', 'index'])
            .default('keep')
            .describe('keep arrays, or explode them as name_0, name_1…'),
          keep_original: z.boolean().default(false).describe('keep the nested field as well'),
        })
        .describe('turn a nested object into top-level fields'),
    }),
    z.strictObject({ derive: z.record(z.string(), z.string()).describe('new field → expression') }),
    z.strictObject({ udf: UdfRef.describe('postprocess: record → record | null (drop) | records') }),
  ])
  .describe('A step deriving fields: flatten, derive, or a postprocess UDF');

/** A column: a DDL string (`BIGINT NOT NULL`) or an object with the type and options. */
export const ColumnSpec = z
  .union([
    z.string().describe('the type, e.g. BIGINT NOT NULL'),
    z.strictObject({
      type: z.string().describe('the type, e.g. BIGINT NOT NULL or ARRAY<STRING>'),
      from: z.string().optional().describe('source field (dotted path), default: the column name'),
      default: z.unknown().optional().describe('value used when the field is missing or null'),
      comment: z.string().optional().describe('column comment (Hive/Flink DDL, Avro doc)'),
      on_error: z
        .enum(['error', 'null'])
        .default('error')
        .describe('what a value that cannot be cast becomes'),
      format: z
        .union([z.string(), z.array(z.string())])
        .optional()
        .describe(
          'input format(s) for DATE/TIMESTAMP strings, e.g. yyyy-MM-dd HH:mm:ss (letters and the rule for dates without a year: docs/functions.md)',
        ),
      timezone: z.string().optional().describe('zone of zone-less timestamp strings (IANA name)'),
    }),
  ])
  .describe('a column: a type string, or an object with the type and options');

export const Table = z
  .strictObject({
    source: z.string().describe('the source this table reads'),
    filter: Filter.optional(),
    preprocess: UdfRef.optional().describe('string → string | null, runs before the parser'),
    parser: Parser,
    extend: z.array(Extender).default([]).describe('extenders, applied in order after the parser'),
    schema: z.record(z.string(), ColumnSpec).describe('column name → type; the single source of truth'),
    drop_when: z.string().optional().describe('expression; matching rows are dropped (counted)'),
    counters: z.record(z.string(), z.string()).optional().describe('user counter → expression; +1 when true'),
    comment: z.string().optional().describe('table comment (Hive/Flink DDL, Avro doc)'),
  })
  .describe('A streaming table: one kind of log becomes rows');

export const Sink = z
  .strictObject({
    table: z.string().describe('the table whose rows this sink loads'),
    when: z.string().optional().describe('expression; only matching rows load into this sink'),
    columns: z.array(z.string()).optional().describe('columns to load (default: all)'),
    hive: HiveSink.optional(),
    kafka: KafkaSink.optional(),
    console: ConsoleSink.optional(),
  })
  .refine((s) => (s.hive ? 1 : 0) + (s.kafka ? 1 : 0) + (s.console ? 1 : 0) === 1, {
    message: 'a sink needs exactly one of: hive, kafka, console',
  })
  .describe("Where a table's rows are loaded: exactly one of hive, kafka, console");

export const Project = z
  .strictObject({
    version: z.string().optional().describe('config version label; default: a hash of the file'),
    warehouse: z.string().default('./warehouse').describe('where Hive-layout tables are written'),
    checkpoint: z
      .strictObject({
        interval_seconds: z.number().positive().default(10).describe('how often progress is committed'),
        dir: z
          .string()
          .optional()
          .describe(
            'where checkpoint manifests go, relative to the project folder; default: <warehouse>/_weir/checkpoints',
          ),
      })
      .default({ interval_seconds: 10 })
      .describe('checkpoints: the atomic unit of progress'),
    errors: z
      .strictObject({
        location: z
          .string()
          .optional()
          .describe('where error records go, relative to the project folder; default: <warehouse>/_errors'),
        rolling: z
          .strictObject({
            max_bytes: z
              .number()
              .int()
              .positive()
              .default(64 * 1024 * 1024)
              .describe('roll past this size'),
            max_rows: z.number().int().positive().default(1_000_000).describe('roll past this many rows'),
            max_seconds: z
              .number()
              .positive()
              .default(60)
              .describe('roll after this long: error records show in weir errors once their file rolls'),
          })
          .default({ max_bytes: 64 * 1024 * 1024, max_rows: 1_000_000, max_seconds: 60 })
          .describe(
            'when an error-store file (JSON lines) is closed; it stays open across checkpoints until then',
          ),
        compaction: Compaction.optional(),
      })
      .default({ rolling: { max_bytes: 64 * 1024 * 1024, max_rows: 1_000_000, max_seconds: 60 } })
      .describe('the error store'),
    counters: z
      .strictObject({
        dated_ttl_days: z.number().int().positive().default(7).describe('days a dated counter is kept'),
      })
      .default({ dated_ttl_days: 7 })
      .describe('SLA counters'),
    udf: z
      .strictObject({
        timeout_ms: z
          .number()
          .int()
          .positive()
          .default(1000)
          .describe(
            'time limit for one UDF call on one record; a record that runs past it becomes a UDF_TIMEOUT error record (the others of its batch load)',
          ),
        memory_mb: z
          .number()
          .int()
          .positive()
          .default(512)
          .describe(
            'memory cap of each UDF sandbox (a Python interpreter, a JS isolate); past it the record becomes a UDF error record',
          ),
      })
      .default({ timeout_ms: 1000, memory_mb: 512 })
      .describe(
        'limits of JS and Python UDFs, which run in sandboxes without file, network or process access',
      ),
    sources: z.record(entityName, Source).describe('source name → source'),
    tables: z.record(entityName, Table).describe('table name → streaming table'),
    sinks: z.record(entityName, Sink).default({}).describe('sink name → sink'),
  })
  .describe('A Weir project (weir.yaml)');

export type ProjectConfig = z.infer<typeof Project>;
export type SourceConfig = z.infer<typeof Source>;
export type TableConfig = z.infer<typeof Table>;
export type SinkConfig = z.infer<typeof Sink>;
export type HiveSinkConfig = z.infer<typeof HiveSink>;
export type KafkaSinkConfig = z.infer<typeof KafkaSink>;
export type ParserConfig = z.infer<typeof Parser>;
export type ExtenderConfig = z.infer<typeof Extender>;
export type FilterConfig = z.infer<typeof Filter>;
export type ColumnConfig = z.infer<typeof ColumnSpec>;
export type UdfRefConfig = z.infer<typeof UdfRef>;
