// Hot update, the watching half: `weir run` looks at its project's files (weir.yaml and code)
// every second; a change is loaded and validated like `weir validate`. A version with problems is
// refused (logged once, the job runs on); one that adds or removes a source, changes a source's
// kind, moves the warehouse or changes the checkpoint settings needs a restart of `weir run`, and
// says so; any other is handed on. Workers switch to it in place at their next checkpoint
// (job.ts); a job whose source's settings changed is rebuilt from its checkpoints (run.ts).
import { loadProject } from '../config/load.ts';
import type { Project } from '../config/project.ts';
import { filesHash, projectFiles, versionLabelOf } from '../config/project-files.ts';
import { type JobPlan, planJobs } from './plan.ts';

export interface WatchOptions {
  intervalMs?: number;
  log: (line: string) => void;
  /** A valid new version the running jobs can take. */
  onVersion: (project: Project) => Promise<void>;
  /**
   * A changed project the run cannot take (problems, or a change that needs a restart); undefined
   * when the files are back to the version that runs.
   */
  onRefused?: (refused: { version: string; message: string; time: number } | undefined) => void;
}

/**
 * A job's source settings and delivery: a version that changes them is taken by rebuilding the
 * job (run.ts): its workers checkpoint and end, and it starts again on the new settings.
 */
export function jobSpec(project: Project, job: JobPlan): string {
  return `${job.delivery}:${job.group ?? ''}:${JSON.stringify(project.config.sources[job.source])}`;
}

/** What of a version a running run cannot take without a restart; undefined when it can. */
function needsRestart(running: Project, next: Project): string | undefined {
  if (next.warehouse !== running.warehouse) return 'the warehouse moved';
  // A job's kind decides its locks and its workers; added and removed jobs are not started or stopped.
  const jobs = (p: Project) =>
    planJobs(p)
      .map((j) => `${j.name}:${p.config.sources[j.source]?.kafka ? 'kafka' : 'files'}`)
      .sort()
      .join('\n');
  if (jobs(next) !== jobs(running)) return 'sources were added or removed, or a source changed its kind';
  if (JSON.stringify(next.config.checkpoint) !== JSON.stringify(running.config.checkpoint))
    return 'the checkpoint settings changed';
  return undefined;
}

export function watchProject(initial: Project, opts: WatchOptions): () => void {
  let running = initial;
  let seen: string | undefined;
  /** The files' hash of the version that runs. */
  let runningHash: string | undefined;
  let busy = false;
  const check = async () => {
    if (busy) return;
    busy = true;
    try {
      const files = await projectFiles(running.dir, running.warehouse);
      const hash = filesHash(files);
      if (seen === undefined) seen = runningHash = hash;
      if (hash === seen) return;
      seen = hash;
      if (hash === runningHash) {
        opts.log(`weir: the project is back to version ${running.version}, the one that runs`);
        opts.onRefused?.(undefined);
        return;
      }
      const loaded = await loadProject(running.dir, { deep: true });
      if (!loaded.ok) {
        const problems = loaded.problems.map((p) => `\n  ${p.path}: ${p.message}`).join('');
        // Labelled as a center labels it (the project cannot say its own `version:`).
        const label = versionLabelOf(hash);
        opts.log(
          `weir: the changed project (version ${label}) was refused; running on version ${running.version}:${problems}`,
        );
        opts.onRefused?.({
          version: label,
          message: loaded.problems.map((p) => `${p.path}: ${p.message}`).join('; '),
          time: Date.now(),
        });
        return;
      }
      const why = needsRestart(running, loaded.project);
      if (why !== undefined) {
        opts.log(
          `weir: version ${loaded.project.version} needs a restart of weir run (${why}); running on version ${running.version}`,
        );
        opts.onRefused?.({
          version: loaded.project.version,
          message: `needs a restart of weir run: ${why}`,
          time: Date.now(),
        });
        return;
      }
      await opts.onVersion(loaded.project);
      running = loaded.project;
      runningHash = hash;
      opts.log(
        `weir: version ${loaded.project.version} validated; the workers switch to it at their next checkpoint`,
      );
    } catch (e) {
      seen = 'failed'; // looked at again next time
      opts.log(`weir: could not check the project for changes: ${(e as Error).message}`);
    } finally {
      busy = false;
    }
  };
  void check();
  const timer = setInterval(check, opts.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
