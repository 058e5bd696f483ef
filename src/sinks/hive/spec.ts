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
    max_seconds: z.number().positive().default(900).describe('roll to a new file after this long'),
  })
  .describe('when a warehouse file is closed and a new one started');

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
    properties: z.record(z.string(), z.string()).default({}).describe('TBLPROPERTIES of the Hive DDL'),
  })
  .describe('a Hive-layout table in the warehouse');
