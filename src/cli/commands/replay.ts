// `weir replay <dir>`: the stored error records, run again through the current config (src/runtime/replay.ts).
import { join } from 'node:path';
import { acquireRunLock, RunLockedError } from '../../runtime/lock.ts';
import { previewProject } from '../../runtime/preview.ts';
import { type ReplaySelection, rawRecord, runReplay, selectForReplay } from '../../runtime/replay.ts';
import { checkpointRoot, recover } from '../../runtime/run.ts';
import { registerTables } from '../../sinks/recovery.ts';
import { parseCommandArgs } from '../args.ts';
import { loadOrReport } from '../load.ts';
import { progressReporter } from '../progress.ts';
import { table } from '../summary.ts';

const HELP = `Usage: weir replay <dir> [--table T] [--day yyyy-MM-dd] [--code C] [--since TIME] [--until TIME] [--dry-run] [--json]

Runs the raw records of stored error records (weir errors) again through the current config,
after you fixed it (a cast too narrow, a regex that missed a format). Rows that now pass load into
their table's sinks exactly once; records that still fail become new error records with the
current version. An error record is replayed once: running the same replay again adds nothing,
and a replay that was stopped (Ctrl-C, a crash) is finished by the next weir replay. Error
records that failed before a table was chosen are not replayed.

  --table T      only error records of table T
  --day D        only error records of day D (UTC, the error store's dt)
  --code C       only error records with code C (e.g. CAST)
  --since TIME   only error records from TIME on (ISO, e.g. 2026-12-04T10:00:00Z)
  --until TIME   only error records before TIME
  --dry-run      print what would load and what would still fail, per table and code; change nothing
  --json         print the summary as JSON

Example:
  weir replay examples/oplog --table pay --code CAST --dry-run`;

function selection(values: Record<string, unknown>): ReplaySelection | string {
  const s: ReplaySelection = {};
  for (const k of ['table', 'day', 'code', 'since', 'until'] as const) {
    const v = values[k];
    if (typeof v === 'string') s[k] = v;
  }
  if (s.day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(s.day))
    return `--day must be yyyy-MM-dd, got "${s.day}"`;
  for (const k of ['since', 'until'] as const)
    if (s[k] !== undefined && Number.isNaN(new Date(s[k]!).getTime()))
      return `--${k} must be a time like 2026-12-04T10:00:00Z, got "${s[k]}"`;
  return s;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('replay', HELP, args, {
    table: { type: 'string' },
    day: { type: 'string' },
    code: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  const sel = selection(values);
  if (typeof sel === 'string') {
    console.error(`weir replay: ${sel}`);
    return 2;
  }
  const project = await loadOrReport(positionals[0], 'replay');
  if (!project) return 1;
  if (sel.table !== undefined && !project.tables.some((t) => t.name === sel.table)) {
    console.error(`weir replay: the config has no table "${sel.table}"`);
    return 2;
  }
  const root = checkpointRoot(project);

  if (values['dry-run']) {
    const { take, skipped } = await selectForReplay(project, root, sel);
    const rows: string[][] = [['table', 'records', 'would load', 'dropped', 'would still fail']];
    const report: Record<
      string,
      { records: number; load: number; dropped: number; fail: Record<string, number> }
    > = {};
    for (const t of [...new Set(take.map((e) => e.table!))].sort()) {
      const records = take.filter((e) => e.table === t);
      try {
        const r = (await previewProject(project, records.map(rawRecord), t)).tables[t]!;
        const fail: Record<string, number> = {};
        for (const e of r.errors) fail[e.code] = (fail[e.code] ?? 0) + 1;
        report[t] = {
          records: records.length,
          load: r.counters.recordsOut,
          dropped: r.counters.recordsDropped,
          fail,
        };
      } catch (e) {
        console.error(`weir replay: table ${t}: ${(e as Error).message}`);
        return 1;
      }
    }
    if (values.json) {
      console.log(JSON.stringify({ tables: report, skipped }, null, 2));
      return 0;
    }
    for (const [t, r] of Object.entries(report)) {
      const fail = Object.entries(r.fail)
        .map(([code, n]) => `${n} ${code}`)
        .join(', ');
      rows.push([t, String(r.records), String(r.load), String(r.dropped), fail || '0']);
    }
    if (rows.length === 1) console.log('nothing to replay: no error record matches that no replay took');
    else console.log(table(rows));
    for (const s of skipped) console.log(`left alone: ${s.records} error record(s) ${s.reason}`);
    return 0;
  }

  let lock: Awaited<ReturnType<typeof acquireRunLock>>;
  try {
    lock = await acquireRunLock(join(root, '_replays'), `weir replay of project ${project.dir}`);
  } catch (e) {
    if (e instanceof RunLockedError) {
      console.error(`weir replay: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const catalog = await registerTables(project);
    await recover(project, catalog);
    const progress = progressReporter('replayed error records');
    let summary: Awaited<ReturnType<typeof runReplay>>;
    try {
      summary = await runReplay(project, catalog, root, sel, {
        log: (line) => console.error(line),
        signal: abort.signal,
        onProgress: (read, total) => progress.update(read, total),
      });
    } finally {
      progress.stop();
    }
    if (values.json) {
      console.log(JSON.stringify(summary, null, 2));
      return 0;
    }
    if (summary.id === undefined)
      console.log('nothing to replay: no error record matches that no replay took');
    else {
      const rows = [['table', 'replayed', 'loaded', 'dropped', 'still failing']];
      for (const [t, c] of Object.entries(summary.counters.tables))
        rows.push([
          t,
          String(c.recordsIn),
          String(c.recordsOut),
          String(c.recordsDropped),
          String(c.recordsErrored),
        ]);
      console.log(`replay ${summary.id}:\n${table(rows)}`);
    }
    for (const s of summary.skipped) console.log(`left alone: ${s.records} error record(s) ${s.reason}`);
    return 0;
  } catch (e) {
    console.error(`weir replay: ${(e as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await lock.release();
  }
}
