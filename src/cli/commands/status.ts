import { localCatalog } from '../../connectors/warehouse/catalog.ts';
import { sumCounters } from '../../metrics/counters.ts';
import { readManifests } from '../../runtime/checkpoint.ts';
import { planJobs } from '../../runtime/plan.ts';
import { replayJobNames } from '../../runtime/replay.ts';
import { checkpointRoot, ownCounters } from '../../runtime/run.ts';
import { runningWorkers, type WorkerStatus, workerStatus } from '../../runtime/worker-status.ts';
import { compactionTables, type TableFiles, tableFiles } from '../../sinks/compaction.ts';
import { parseCommandArgs } from '../args.ts';
import { loadOrReport } from '../load.ts';
import { printSummary, table } from '../summary.ts';

const HELP = `Usage: weir status <dir> [--json]

Shows the SLA counters per table and sink as of the last checkpoint (what is committed):
records in = out + dropped + errored for every table. Day-level counters follow, newest first.
Counters of every worker that ever checkpointed count (also workers that have stopped or died:
what they committed stays committed).

Each worker's line says the config version it runs (hot update, docs/hot-update.md), since when,
and its last checkpoint; a version a worker refused is shown with the reason. When weir.yaml has
problems (a version the running job refused), the problems are printed, then the workers of the
version that runs, and the exit code is 1. Then the files readers see per table (partitions,
files per partition, average size: many small files are what weir compact merges). What weir
replay repaired is counted apart, in a last table.

Example:
  weir status examples/quickstart --json`;

const iso = (t: number | undefined) => (t ? new Date(t).toISOString() : null);

function printWorkers(byJob: Record<string, WorkerStatus[]>): void {
  const workers = Object.entries(byJob).flatMap(([job, ws]) => ws.map((w) => ({ job, ...w })));
  if (workers.length === 0) return;
  const rows = [['job', 'worker', 'version', 'since', 'last checkpoint']];
  for (const w of workers)
    rows.push([w.job, String(w.worker), w.configVersion, w.since ?? '', w.lastCheckpoint]);
  console.log(`\n${table(rows)}`);
  for (const w of workers)
    if (w.refused)
      console.log(
        `job ${w.job}, worker ${w.worker} refused version ${w.refused.version} at ${w.refused.time} and runs on ${w.configVersion}: ${w.refused.message}`,
      );
}

function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Files readers see per table: many small files per partition are what weir compact merges. */
function printFiles(files: Record<string, TableFiles>): void {
  const rows = [['table', 'partitions', 'files', 'files per partition (max)', 'average file size']];
  for (const f of Object.values(files)) {
    if (f.files === 0) continue;
    rows.push([
      f.table + (f.unfinished > 0 ? ` (${f.unfinished} compaction(s) unfinished)` : ''),
      String(f.partitions),
      String(f.files),
      `${(f.files / f.partitions).toFixed(1)} (${f.maxPerPartition})`,
      size(f.bytes / f.files),
    ]);
  }
  if (rows.length > 1) console.log(`\n${table(rows)}`);
}

/**
 * weir.yaml has problems (a version a running job refuses, say): the workers of the version that
 * runs, from its checkpoints. Exits 1: the project is not valid.
 */
async function showRunningWorkers(dir: string, json: boolean): Promise<number> {
  const byJob = await runningWorkers(dir);
  if (Object.keys(byJob).length === 0) return 1;
  if (json) console.log(JSON.stringify({ valid: false, workers: byJob }, null, 2));
  else {
    console.error('weir status: the workers of the version that runs, from their checkpoints:');
    printWorkers(byJob);
  }
  return 1;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('status', HELP, args, { json: { type: 'boolean', default: false } });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  const project = await loadOrReport(positionals[0], 'status');
  if (!project) return positionals[0] ? showRunningWorkers(positionals[0], values.json) : 1;
  const root = checkpointRoot(project);
  const perSource: Record<
    string,
    { checkpoints: number; lastCheckpoint: string | null; workers: WorkerStatus[] }
  > = {};
  const all = [];
  for (const job of planJobs(project)) {
    const manifests = await readManifests(root, job.name);
    all.push(...manifests.map((m) => ownCounters(job, m.counters)));
    const last = Math.max(0, ...manifests.map((m) => m.time));
    perSource[job.name] = {
      checkpoints: manifests.reduce((a, m) => a + m.epoch, 0),
      lastCheckpoint: iso(last),
      workers: manifests.map(workerStatus),
    };
  }
  const counters = sumCounters(all);
  // Repairs are counted apart: the run's counters keep what it did, replays what they repaired.
  const replays = [];
  for (const name of await replayJobNames(root))
    replays.push(...(await readManifests(root, name)).map((m) => m.counters));
  const replayed = sumCounters(replays);
  const files: Record<string, TableFiles> = {};
  for (const t of compactionTables(project, localCatalog(project.warehouse)))
    files[t.name] = await tableFiles(t);
  if (values.json) {
    console.log(
      JSON.stringify(
        { configVersion: project.version, sources: perSource, counters, replayed, files },
        null,
        2,
      ),
    );
    return 0;
  }
  for (const [s, info] of Object.entries(perSource)) {
    console.log(
      `source ${s}: ${info.lastCheckpoint ? `last checkpoint ${info.lastCheckpoint}` : 'never run'}`,
    );
  }
  const byJob = Object.fromEntries(Object.entries(perSource).map(([job, info]) => [job, info.workers]));
  if (Object.values(byJob).some((ws) => ws.length > 0)) {
    printWorkers(byJob);
    console.log('');
  }
  printSummary(project, counters);
  const days = Object.keys(counters.dated).sort().reverse();
  if (days.length > 0) {
    const rows = [['day', 'table', 'in', 'out', 'dropped', 'errored']];
    for (const day of days) {
      for (const [t, x] of Object.entries(counters.dated[day].tables)) {
        rows.push([
          day,
          t,
          String(x.recordsIn),
          String(x.recordsOut),
          String(x.recordsDropped),
          String(x.recordsErrored),
        ]);
      }
    }
    console.log(`\n${table(rows)}`);
  }
  printFiles(files);
  const replayedTables = Object.entries(replayed.tables);
  if (replayedTables.length > 0) {
    const rows = [['replayed (weir replay)', 'error records', 'loaded', 'dropped', 'still failing']];
    for (const [t, c] of replayedTables)
      rows.push([
        t,
        String(c.recordsIn),
        String(c.recordsOut),
        String(c.recordsDropped),
        String(c.recordsErrored),
      ]);
    console.log(`\n${table(rows)}`);
  }
  return 0;
}
