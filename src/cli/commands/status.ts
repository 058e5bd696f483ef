import { sumCounters } from '../../metrics/counters.ts';
import { readManifests } from '../../runtime/checkpoint.ts';
import { planJobs } from '../../runtime/plan.ts';
import { checkpointRoot, ownCounters } from '../../runtime/run.ts';
import { parseCommandArgs } from '../args.ts';
import { loadOrReport } from '../load.ts';
import { printSummary, table } from '../summary.ts';

const HELP = `Usage: weir status <dir> [--json]

Shows the SLA counters per table and sink as of the last checkpoint (what is committed):
records in = out + dropped + errored for every table. Day-level counters follow, newest first.
Counters of every worker that ever checkpointed count (also workers that have stopped or died:
what they committed stays committed).`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('status', HELP, args, { json: { type: 'boolean', default: false } });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  const project = await loadOrReport(positionals[0], 'status');
  if (!project) return 1;
  const root = checkpointRoot(project);
  const perSource: Record<string, { checkpoints: number; lastCheckpoint: string | null }> = {};
  const all = [];
  for (const job of planJobs(project)) {
    const manifests = await readManifests(root, job.name);
    all.push(...manifests.map((m) => ownCounters(job, m.counters)));
    const last = Math.max(0, ...manifests.map((m) => m.time));
    perSource[job.name] = {
      checkpoints: manifests.reduce((a, m) => a + m.epoch, 0),
      lastCheckpoint: last ? new Date(last).toISOString() : null,
    };
  }
  const counters = sumCounters(all);
  if (values.json) {
    console.log(JSON.stringify({ configVersion: project.version, sources: perSource, counters }, null, 2));
    return 0;
  }
  for (const [s, info] of Object.entries(perSource)) {
    console.log(
      `source ${s}: ${info.lastCheckpoint ? `last checkpoint ${info.lastCheckpoint}` : 'never run'}`,
    );
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
  return 0;
}
