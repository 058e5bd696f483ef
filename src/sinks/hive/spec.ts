// The Hive sink's config: a Hive-layout table in the warehouse, and when its files roll.
import { z } from 'zod';
import { name } from '../../config/names.ts';

export const Rolling = z
  .strictObject({
    max_bytes: z
      .number()
      .int()
      .positive()
      .default(128 * 1024 * 1024)
      .describe('roll to a new file past this size'),
    max_rows: z
      .number()
      .int()
      .positive()
      .default(5_000_000)
      .describe('roll to a new file past this many rows'),
    max_seconds: z
      .number()
      .positive()
      .optional()
      .describe(
        'roll to a new file after this long (default 900); Parquet files also close at every checkpoint',
      ),
  })
  .describe(
    'when a warehouse file is closed and a new one started; JSON and text files stay open across checkpoints until then',
  );

export const DEFAULT_MAX_SECONDS = 900;

/** The rolling policy with its defaults filled in. */
export function rollingOf(r: z.infer<typeof Rolling>): {
  max_bytes: number;
  max_rows: number;
  max_seconds: number;
} {
  return { ...r, max_seconds: r.max_seconds ?? DEFAULT_MAX_SECONDS };
}

export const Compaction = z
  .strictObject({
    background: z
      .boolean()
      .default(true)
      .describe('compact in the background of weir run (weir compact works either way)'),
    target_bytes: z
      .number()
      .int()
      .positive()
      .default(128 * 1024 * 1024)
      .describe('merged files are cut at about this size; files this big are left alone'),
    min_files: z
      .number()
      .int()
      .min(2)
      .default(5)
      .describe('compact a partition once it has this many smaller files'),
    quiet_seconds: z
      .number()
      .nonnegative()
      .default(600)
      .describe('background: compact a partition once no rows came into it for this long'),
    grace_seconds: z
      .number()
      .nonnegative()
      .default(300)
      .describe('replaced files stay readable this long for queries that began before the swap'),
  })
  .describe('merging the small files of a partition into fewer, larger ones (docs/small-files.md)');

export type CompactionConfig = z.infer<typeof Compaction>;

export const HiveSink = z
  .strictObject({
    database: name.describe('Hive database'),
    table: name.optional().describe('Hive table; default: the sink name'),
    format: z.enum(['parquet', 'json', 'text']).default('parquet').describe('file format'),
    compression: z.enum(['zstd', 'snappy', 'gzip', 'none']).default('zstd').describe('parquet only'),
    partitioned_by: z
      .array(z.string())
      .default([])
      .describe('partition columns (in directory order), e.g. [dt]; columns of the table schema'),
    location: z
      .string()
      .optional()
      .describe('default: <warehouse>/<database>.db/<table>; relative to the project'),
    rolling: Rolling.default(Rolling.parse({})),
    compaction: Compaction.optional(),
    properties: z.record(z.string(), z.string()).default({}).describe('TBLPROPERTIES of the Hive DDL'),
  })
  .describe('a Hive-layout table in the warehouse');
