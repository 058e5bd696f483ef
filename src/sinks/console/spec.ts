// The console sink's config: rows as JSON lines to stdout or a file, for debugging and pipes.
import { z } from 'zod';

export const ConsoleSink = z
  .strictObject({
    path: z
      .string()
      .optional()
      .describe(
        'file to append the JSON lines to, relative to the project folder (default: standard output)',
      ),
  })
  .describe('rows as JSON lines (Flink json format) on standard output or in a file; at least once');
