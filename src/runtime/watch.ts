// Hot update, the watching half: `weir run` looks at its project's files (weir.yaml and code)
// every second; a change is loaded and validated like `weir validate`. A version with problems is
// refused (logged once, the job runs on); one whose jobs differ from the running ones (a source
// added, removed or changed) needs a restart of `weir run`, and says so; any other is handed on,
// and the workers switch to it at their next checkpoint (job.ts, run.ts).
import { loadProject } from '../config/load.ts';
import type { Project } from '../config/project.ts';
import { filesHash, projectFiles } from '../config/project-files.ts';
import { planJobs } from './plan.ts';

export interface WatchOptions {
  intervalMs?: number;
  log: (line: string) => void;
  /** A valid new version the running jobs can take. */
  onVersion: (project: Project) => Promise<void>;
}

/** What of a version a running run cannot take without a restart; undefined when it can. */
function needsRestart(running: Project, next: Project): string | undefined {
  if (next.warehouse !== running.warehouse) return 'the warehouse moved';
  const jobs = (p: Project) =>
    planJobs(p)
      .map((j) => `${j.name}:${JSON.stringify(p.config.sources[j.source])}`)
      .sort()
      .join('\n');
  if (jobs(next) !== jobs(running)) return 'its sources (or their settings) changed';
  if (JSON.stringify(next.config.checkpoint) !== JSON.stringify(running.config.checkpoint))
    return 'the checkpoint settings changed';
  return undefined;
}

export function watchProject(initial: Project, opts: WatchOptions): () => void {
  let running = initial;
  let seen: string | undefined;
  let busy = false;
  const check = async () => {
    if (busy) return;
    busy = true;
    try {
      const hash = filesHash(await projectFiles(running.dir, running.warehouse));
      if (seen === undefined) seen = hash;
      if (hash === seen) return;
      seen = hash;
      const loaded = await loadProject(running.dir, { deep: true });
      if (!loaded.ok) {
        const problems = loaded.problems.map((p) => `\n  ${p.path}: ${p.message}`).join('');
        opts.log(`weir: the changed project was refused; running on version ${running.version}:${problems}`);
        return;
      }
      const why = needsRestart(running, loaded.project);
      if (why !== undefined) {
        opts.log(
          `weir: version ${loaded.project.version} needs a restart of weir run (${why}); running on version ${running.version}`,
        );
        return;
      }
      await opts.onVersion(loaded.project);
      running = loaded.project;
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
