import { formatProblem } from '../../config/problems.ts';
import { projectWarnings } from '../../config/warnings.ts';
import { explainError } from '../../runtime/io-errors.ts';
import { RunLockedError } from '../../runtime/lock.ts';
import { runProject } from '../../runtime/run.ts';
import { parseCommandArgs } from '../args.ts';
import { CenterError } from '../center-client.ts';
import { followCenter, syncFromCenter } from '../follow-center.ts';
import { loadOrReport } from '../load.ts';
import { printSummary } from '../summary.ts';

const HELP = `Usage: weir run <dir> [--from <url>/projects/<name>] [--follow] [--workers N] [--worker-id N] [--until-end] [--no-compact] [--json]

Runs the project in <dir>: one job per source, every table of a source sharing one read,
splits (files) spread over worker threads. Rows become visible in the warehouse at each
checkpoint; a restart resumes exactly where the last checkpoint ended.

A Kafka source runs until stopped (Ctrl-C or SIGTERM: a final checkpoint is taken). Start
\`weir run\` several times (on one or more machines) to add workers: they share the topic's
partitions through the consumer group.

Editing weir.yaml or a UDF while it runs applies the change without a restart: the new version
is validated, and each worker switches to it at its next checkpoint, so every record is processed
by exactly one version (docs/hot-update.md). A version with problems is refused and logged; the
run goes on with the one it has.

  --from URL     run a project of a config center (weir serve): its latest version is written
                 into <dir>, and each version published later, which the run then switches to
                 (docs/config-center.md)
  --follow       keep reading files as they grow (stop with Ctrl-C: a final checkpoint is taken)
  --workers N    worker threads per file source (default: one per core, at most one per file);
                 for a Kafka source: group members in this process (default 1)
  --worker-id N  Kafka: this process's worker id, naming its checkpoint manifest; give each
                 process its own and reuse it on restart (default: a random id)
  --until-end    Kafka: stop once the partitions reach the end offsets they had at start
  --no-compact   no background compaction in this process, although sinks set compaction
                 (processes on several machines sharing a warehouse: let one compact;
                 docs/small-files.md)
  --json         print the summary as JSON`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('run', HELP, args, {
    follow: { type: 'boolean', default: false },
    workers: { type: 'string' },
    'worker-id': { type: 'string' },
    'until-end': { type: 'boolean', default: false },
    'no-compact': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    from: { type: 'string' },
  });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  let stopFollowing = () => {};
  if (values.from !== undefined) {
    const dir = positionals[0];
    if (!dir) {
      console.error(
        'weir run: --from needs a folder to keep the project in, e.g. weir run --from <url> work/game',
      );
      return 2;
    }
    try {
      const version = await syncFromCenter(values.from, dir);
      console.error(`weir run: version ${version} of ${values.from} in ${dir}`);
    } catch (e) {
      if (!(e instanceof CenterError)) throw e;
      console.error(`weir run: --from ${values.from}: ${e.message}`);
      return 1;
    }
    stopFollowing = followCenter(values.from, dir, (line) => console.error(line));
  }
  const project = await loadOrReport(positionals[0], 'run');
  if (project)
    for (const w of await projectWarnings(project)) console.error(`weir run: warning: ${formatProblem(w)}`);
  if (!project) return 1;
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers > 0)) {
    console.error(`weir run: --workers must be a positive whole number, got "${values.workers}"`);
    return 2;
  }
  const workerIdText = values['worker-id'];
  const workerId = workerIdText === undefined ? undefined : Number(workerIdText);
  if (workerId !== undefined && !(Number.isSafeInteger(workerId) && workerId >= 0 && workerIdText !== '')) {
    console.error(`weir run: --worker-id must be a whole number ≥ 0, got "${workerIdText}"`);
    return 2;
  }
  const abort = new AbortController();
  const stop = () => {
    if (!abort.signal.aborted) console.error('weir run: stopping after a final checkpoint…');
    abort.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const reads = new Map<string, number>();
  let lastPrint = Date.now();
  const started = Date.now();
  try {
    const summary = await runProject(project, {
      follow: values.follow,
      workers,
      ...(workerId === undefined ? {} : { workerId }),
      untilEnd: values['until-end'],
      signal: abort.signal,
      watch: true,
      compact: !values['no-compact'],
      onProgress: (source, p) => {
        reads.set(`${source}/${p.worker}`, p.recordsRead);
        if (Date.now() - lastPrint > 5000) {
          lastPrint = Date.now();
          const total = [...reads.values()].reduce((a, b) => a + b, 0);
          const secs = (Date.now() - started) / 1000;
          console.error(
            `… ${total.toLocaleString('en-US')} records read in ${secs.toFixed(0)} s (${Math.round(total / secs).toLocaleString('en-US')}/s)`,
          );
        }
      },
    });
    // Rows of a console sink own standard output (for pipes): the summary then goes to stderr.
    const stdoutTaken = project.sinks.some((s) => s.config.console && s.config.console.path === undefined);
    const print = stdoutTaken ? console.error : console.log;
    if (values.json) print(JSON.stringify(summary, null, 2));
    else printSummary(project, summary.counters, summary.seconds, print);
    return 0;
  } catch (e) {
    if (e instanceof RunLockedError) {
      console.error(`weir run: not started: ${e.message}`);
      return 1;
    }
    console.error(`weir run: stopped: ${explainError(e)}`);
    console.error(
      'Committed data is intact; fix the problem and run again to resume from the last checkpoint.',
    );
    return 1;
  } finally {
    stopFollowing();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
