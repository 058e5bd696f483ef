// The catalog's files on disk, parsed with a schema and a format version so that a truncated, foreign
// or newer file is refused with a message naming it, never trusted as-is.
import { z } from 'zod';

/** Version 1: the table file held the partitions (no formatVersion). Version 2: partitions in the log. */
export const TABLE_FORMAT_VERSION = 2;
export const LOG_FORMAT_VERSION = 1;

const values = z.record(z.string(), z.string());

export const tableFile = z.object({
  formatVersion: z.number().int().optional(),
  database: z.string(),
  table: z.string(),
  location: z.string(),
  format: z.enum(['parquet', 'json', 'text']),
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  partitionedBy: z.array(z.string()),
  partitions: z.array(z.object({ values, location: z.string() })),
});

export const logEntry = z.object({
  formatVersion: z.number().int(),
  partitions: z.array(
    z.object({
      values,
      location: z.string(),
      /** A location set on purpose (a backfill's swap) wins over a partition merely added. */
      set: z.boolean().optional(),
      /** When it happened; in a compacted entry each partition keeps its own. */
      at: z.string().optional(),
    }),
  ),
});

export type TableFile = z.infer<typeof tableFile>;
export type LogEntry = z.infer<typeof logEntry>;

export class CatalogFileError extends Error {
  override name = 'CatalogFileError';
}

/** Parses one catalog file: JSON, a known format version, then the schema. */
export function parseCatalogFile<T>(
  path: string,
  text: string,
  schema: z.ZodType<T>,
  versions: { current: number; absentMeans?: number },
): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CatalogFileError(
      `catalog file ${path} is not valid JSON (${(e as Error).message}); it may be truncated — ` +
        'restore it from a backup or remove it and run `weir run` again to re-register the table',
    );
  }
  const version =
    json && typeof json === 'object' && 'formatVersion' in json ? json.formatVersion : versions.absentMeans;
  if (
    typeof version !== 'number' ||
    !Number.isInteger(version) ||
    version < 1 ||
    version > versions.current
  ) {
    throw new CatalogFileError(
      `catalog file ${path} has format version ${JSON.stringify(version)}; this Weir reads versions 1 to ` +
        `${versions.current} — it was written by a newer Weir (upgrade) or is not a Weir catalog file`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CatalogFileError(
      `catalog file ${path} is not a valid catalog file: ${issue.path.join('.') || '(top)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}
