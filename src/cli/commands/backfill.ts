// `weir backfill <dir>`: rebuild a table's partitions from raw input and swap them in (src/runtime/backfill.ts).
import { pathToFileURL } from 'node:url';
import {
  BackfillError,
  type BackfillState,
  backfill,
  finalizeBackfill,
  listBackfills,
  purgeBackfill,
  rollbackBackfill,
  stagedLocation,
} from '../../runtime/backfill.ts';
import { liveRuns } from '../../runtime/live.ts';
import { RunLockedError } from '../../runtime/lock.ts';
import { checkpointRoot } from '../../runtime/run.ts';
import { registerTables } from '../../sinks/recovery.ts';
import { parseCommandArgs } from '../args.ts';
import { loadOrReport } from '../load.ts';
import { progressReporter } from '../progress.ts';
import { table } from '../summary.ts';

const HELP = `Usage: weir backfill <dir> --table T --partitions SPEC --input GLOB|kafka [--since TIME] [--include-live]
       weir backfill <dir> --finalize ID | --rollback ID | --purge ID | --list

Rebuilds partitions of table T with the current config, after you fixed a config problem that
loaded wrong rows (a filter, a derive). The raw input is loaded into a staging folder first, then
each partition's location in the catalog is pointed at its new copy: a reader (weir sql) sees the
old rows or the new, never a mix. For Hive or Spark, the ALTER TABLE statements are printed.
A backfill that was stopped is resumed by running the same command again.

  --table T        the table to rebuild (one warehouse sink, partitioned by one column)
  --partitions S   dt=2026-11-25..2026-11-27 (days), dt=a,b or dt=a
  --input GLOB     the raw input files for those partitions (relative to <dir>; repeatable),
                   or \`kafka\`: the table's own Kafka topic, read to its end by a consumer group
                   of the backfill's own (the live job's offsets are untouched)
  --since TIME     with --input kafka: start at the first message of TIME (ISO); default earliest
  --include-live   go on although a weir run of the project is running (it must not be writing
                   these partitions any more: rows it writes there are not in the backfill)
  --finalize ID    copy the backfill's data home and point the partitions home again
  --rollback ID    point the partitions back at the data they had before the backfill
  --purge ID       delete a finalized or rolled-back backfill's staging folder
  --list           show every backfill and its step

Example:
  weir backfill examples/quickstart --table login --partitions dt=2026-11-25 --input 'data/*.log'`;

function statements(s: BackfillState, location: (value: string) => string): string[] {
  return s.values.map(
    (v) =>
      `ALTER TABLE ${s.database}.${s.catalogTable} PARTITION (${s.column}='${v.replaceAll("'", "''")}') SET LOCATION '${pathToFileURL(location(v)).href}';`,
  );
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('backfill', HELP, args, {
    table: { type: 'string' },
    partitions: { type: 'string' },
    input: { type: 'string', multiple: true },
    since: { type: 'string' },
    'include-live': { type: 'boolean', default: false },
    finalize: { type: 'string' },
    rollback: { type: 'string' },
    purge: { type: 'string' },
    list: { type: 'boolean', default: false },
  });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  const project = await loadOrReport(positionals[0], 'backfill');
  if (!project) return 1;
  try {
    if (values.list) {
      const rows = [['id', 'table', 'partitions', 'step', 'created']];
      for (const b of await listBackfills(project))
        rows.push([
          b.id,
          b.table,
          `${b.column}=${b.values[0]}${b.values.length > 1 ? `..${b.values.at(-1)}` : ''}`,
          b.step,
          b.created,
        ]);
      console.log(rows.length === 1 ? 'no backfills' : table(rows));
      return 0;
    }
    const catalog = await registerTables(project);
    if (values.rollback) {
      const s = await rollbackBackfill(project, catalog, values.rollback);
      console.log(
        `backfill ${s.id} rolled back: ${s.values.length} partition(s) of ${s.database}.${s.catalogTable} point at their old data`,
      );
      return 0;
    }
    if (values.finalize) {
      const s = await finalizeBackfill(project, catalog, values.finalize);
      console.log(
        `backfill ${s.id} finalized: ${s.values.length} partition(s) of ${s.database}.${s.catalogTable} are home again; the old data stays for --rollback until --purge`,
      );
      return 0;
    }
    if (values.purge) {
      const s = await purgeBackfill(project, values.purge);
      console.log(`backfill ${s.id}: staging folder removed`);
      return 0;
    }
    if (!values.table || !values.partitions || !values.input?.length) {
      console.error(`weir backfill: give --table, --partitions and --input\n\n${HELP}`);
      return 2;
    }
    const live = await liveRuns(checkpointRoot(project));
    if (live.length > 0 && !values['include-live']) {
      console.error(
        `weir backfill: a weir run of this project is running (${live.length} process(es)); its job may still write these partitions, and rows it writes there would be hidden by the swap. Stop it, or pass --include-live when it no longer writes them.`,
      );
      return 1;
    }
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const progress = progressReporter('backfill: input KiB read');
    let result: Awaited<ReturnType<typeof backfill>>;
    try {
      result = await backfill(project, catalog, {
        table: values.table,
        partitions: values.partitions,
        input: values.input,
        ...(values.since === undefined ? {} : { since: values.since }),
        signal: abort.signal,
        onProgress: (read, total) =>
          progress.update(Math.round(read / 1024), Math.max(1, Math.round(total / 1024))),
      });
    } finally {
      progress.stop();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    const { state, load } = result;
    if (state.step !== 'swapped') {
      console.error(
        `weir backfill: stopped while loading; run the same command again to go on (backfill ${state.id})`,
      );
      return 1;
    }
    const t = load.counters.tables[state.table];
    console.log(
      `backfill ${state.id}: read ${load.counters.recordsRead} records; table ${state.table}: ${t?.recordsOut ?? 0} rows, ${t?.recordsDropped ?? 0} dropped, ${t?.recordsErrored ?? 0} errored (error records in ${state.staging}/_errors)`,
    );
    console.log(
      `swapped ${state.values.length} partition(s) of ${state.database}.${state.catalogTable}. For Hive or Spark:`,
    );
    for (const line of statements(state, (v) => stagedLocation(state, v))) console.log(`  ${line}`);
    console.log(`then: weir backfill ${positionals[0]} --finalize ${state.id} (or --rollback ${state.id})`);
    return 0;
  } catch (e) {
    if (e instanceof BackfillError || e instanceof RunLockedError) {
      console.error(`weir backfill: ${e.message}`);
      return e instanceof BackfillError ? 2 : 1;
    }
    throw e;
  }
}
