// `weir preview <dir> --input FILE [--table T] [--json] [--limit N]`: run the pipeline on sample
// lines and show the rows, error records and counters of each table.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { didYouMean } from '../../config/problems.ts';
import { rawRecordsOf } from '../../runtime/lines.ts';
import { previewProject } from '../../runtime/preview.ts';
import { parseCommandArgs } from '../args.ts';
import { loadOrReport } from '../load.ts';
import { renderReport } from '../preview/render.ts';

const HELP = `Usage: weir preview <dir> --input FILE [--table T] [--json] [--limit N]

Runs every table of the project in <dir> on the lines of FILE (as the files source would read
them) and shows, per table, the rows it makes, the error records (code, field, message and the
raw line) and the counters (in = out + dropped + errored).
  --input FILE   sample log lines (required)
  --table T      only table T
  --json         one JSON document instead of text tables
  --limit N      rows and errors shown per table (default 20; --json shows all unless given)`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('preview', HELP, args, {
    input: { type: 'string', short: 'i' },
    table: { type: 'string', short: 't' },
    json: { type: 'boolean' },
    limit: { type: 'string', short: 'n' },
  });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  const dir = positionals[0] ?? '.';
  if (!values.input) {
    console.error(`weir preview: give sample lines with --input FILE\n\n${HELP}`);
    return 2;
  }
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 0) {
      console.error(`weir preview: --limit must be a whole number ≥ 0, not "${values.limit}"`);
      return 2;
    }
  }

  const project = await loadOrReport(dir, 'preview');
  if (!project) return 1;
  if (values.table !== undefined && !project.tables.some((t) => t.name === values.table)) {
    const names = project.tables.map((t) => t.name);
    console.error(
      `weir preview: no table "${values.table}"${didYouMean(values.table, names)}; tables: ${names.join(', ')}`,
    );
    return 2;
  }
  const input = resolve(values.input);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(input);
  } catch (err) {
    console.error(
      `weir preview: cannot read ${values.input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
    return 2;
  }

  let report: Awaited<ReturnType<typeof previewProject>>;
  try {
    report = await previewProject(project, rawRecordsOf(bytes, input), values.table);
  } catch (err) {
    console.error(`weir preview: ${(err as Error).message}`);
    return 1;
  }
  if (values.json) {
    if (limit !== undefined) {
      for (const t of Object.values(report.tables)) {
        t.rows = t.rows.slice(0, limit);
        t.errors = t.errors.slice(0, limit);
      }
    }
    console.log(JSON.stringify(report, null, 2));
  } else console.log(renderReport(report, limit ?? 20));
  return 0;
}
