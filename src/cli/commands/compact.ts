// `weir compact <dir>`: merges the small files of partitions (src/sinks/compaction.ts).

import { plan } from '../../connectors/warehouse/compaction.ts';
import { BackfillError, parsePartitions } from '../../runtime/backfill.ts';
import {
  CompactionBusyError,
  type CompactionResult,
  compactionTables,
  compactTable,
} from '../../sinks/compaction.ts';
import { registerTables } from '../../sinks/recovery.ts';
import { parseCommandArgs } from '../args.ts';
import { loadOrReport } from '../load.ts';
import { table } from '../summary.ts';

const HELP = `Usage: weir compact <dir> [--table T]... [--errors] [--partitions SPEC] [--target-bytes N] [--min-files N] [--dry-run]

Merges the small files of each partition into files of about the target size. Readers (weir sql,
and Hive or Spark through the catalog) see the old files or the new, never both and never
neither, and a running weir run keeps writing meanwhile. The replaced files stay readable for
queries that began before, for grace_seconds (default 300), and are deleted by the next weir compact
or weir run after that. A compaction that was stopped is finished by the next one.
Set sinks.<name>.hive.compaction (errors.compaction for the error store) to compact in the
background of weir run instead; its settings are this command's defaults.

  --table T         only this table (a warehouse sink's name; repeatable); default: every
                    warehouse table and the error store
  --errors          only the error store
  --partitions S    only these partitions: dt=2026-11-25..2026-11-27 (days), dt=a,b or dt=a
  --target-bytes N  the file size to aim for (default: compaction.target_bytes, 128 MiB)
  --min-files N     merge a partition from this many smaller files on (default: compaction.min_files, 5)
  --dry-run         show what would be merged, change nothing

Example:
  weir compact examples/quickstart --table login --partitions dt=2026-11-25 --min-files 2`;

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function whole(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min)
    throw new BackfillError(`${flag} must be a whole number ≥ ${min}, got "${text}"`);
  return n;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('compact', HELP, args, {
    table: { type: 'string', multiple: true },
    errors: { type: 'boolean', default: false },
    partitions: { type: 'string' },
    'target-bytes': { type: 'string' },
    'min-files': { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  const project = await loadOrReport(positionals[0], 'compact');
  if (!project) return 1;
  try {
    const targetBytes = whole(values['target-bytes'], '--target-bytes', 1);
    const minFiles = whole(values['min-files'], '--min-files', 2);
    const settings = {
      ...(targetBytes === undefined ? {} : { target_bytes: targetBytes }),
      ...(minFiles === undefined ? {} : { min_files: minFiles }),
    };
    const filter = values.partitions ? parsePartitions(values.partitions) : undefined;
    const partitions = filter ? { [filter.column]: filter.values } : undefined;
    const catalog = await registerTables(project);
    const all = compactionTables(project, catalog);
    for (const t of values.table ?? []) {
      if (!all.some((x) => x.name === t && x.name !== 'errors')) {
        console.error(
          `weir compact: --table ${t}: no warehouse sink of that name (sinks: ${all
            .filter((x) => x.name !== 'errors')
            .map((x) => x.name)
            .join(', ')})`,
        );
        return 2;
      }
    }
    const chosen = all.filter((t) =>
      values.errors ? t.name === 'errors' : !values.table || values.table.includes(t.name),
    );
    if (filter) {
      for (const t of chosen)
        if (!t.partitionedBy.includes(filter.column)) {
          console.error(
            `weir compact: --partitions ${filter.column}: ${t.label} is not partitioned by ${filter.column}`,
          );
          return 2;
        }
    }
    if (values['dry-run']) {
      const rows = [['table', 'partition', 'small files', 'MiB']];
      for (const t of chosen) {
        const s = { ...t.settings, ...settings };
        for (const p of await t.partitions()) {
          if (partitions && !Object.entries(partitions).every(([k, vs]) => vs.includes(p.values[k] ?? '')))
            continue;
          for (const group of await plan(p, s))
            rows.push([
              t.label,
              p.rel || '(table)',
              String(group.length),
              mb(group.reduce((n, f) => n + f.bytes, 0)),
            ]);
        }
      }
      console.log(rows.length === 1 ? 'nothing to compact' : table(rows));
      return 0;
    }
    const results: CompactionResult[] = [];
    for (const t of chosen) {
      results.push(
        ...(await compactTable(t, {
          settings,
          ...(partitions ? { partitions } : {}),
          onResult: (r) =>
            console.error(
              `weir compact: ${r.table} ${
                Object.entries(r.values)
                  .map(([k, v]) => `${k}=${v}`)
                  .join('/') || '(table)'
              }: ${r.inputs} files → ${r.outputs}`,
            ),
        })),
      );
    }
    if (results.length === 0) {
      console.log('nothing to compact');
      return 0;
    }
    const rows = [['table', 'partition', 'files before', 'files after', 'MiB', 'rows', 'MiB/s']];
    for (const r of results)
      rows.push([
        r.table,
        Object.entries(r.values)
          .map(([k, v]) => `${k}=${v}`)
          .join('/') || '(table)',
        String(r.inputs),
        String(r.outputs),
        mb(r.inputBytes),
        String(r.rows),
        (r.inputBytes / 1024 / 1024 / Math.max(r.mergeSeconds, 0.001)).toFixed(1),
      ]);
    console.log(table(rows));
    const before = results.reduce((n, r) => n + r.inputs, 0);
    const after = results.reduce((n, r) => n + r.outputs, 0);
    console.log(`${results.length} partition(s) compacted: ${before} files → ${after}`);
    return 0;
  } catch (e) {
    if (e instanceof BackfillError || e instanceof CompactionBusyError) {
      console.error(`weir compact: ${e.message}`);
      return e instanceof BackfillError ? 2 : 1;
    }
    throw e;
  }
}
