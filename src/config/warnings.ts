// Things in a valid project that are probably not what its author meant: shown by `weir validate`
// (and at the start of `weir run`), never a reason to refuse the project.
import { resolveFiles } from '../connectors/files/source.ts';
import { formatPath, type Problem } from './problems.ts';
import type { Project } from './project.ts';

export async function projectWarnings(project: Project): Promise<Problem[]> {
  const out: Problem[] = [];
  const warn = (path: (string | number)[], message: string) => out.push({ path: formatPath(path), message });
  if (project.sinks.length === 0) {
    warn(
      ['sinks'],
      'the project has no sinks: rows are counted, and error records stored, but no table is loaded anywhere',
    );
  } else {
    for (const t of project.tables) {
      if (!project.sinks.some((s) => s.config.table === t.name)) {
        warn(['tables', t.name], `no sink loads table ${t.name}: its rows are counted but go nowhere`);
      }
    }
  }
  const interval = project.config.checkpoint.interval_seconds;
  for (const sink of project.sinks) {
    const hive = sink.config.hive;
    const maxSeconds = hive?.rolling.max_seconds;
    if (hive?.format === 'parquet' && maxSeconds !== undefined && maxSeconds > interval) {
      warn(
        ['sinks', sink.name, 'hive', 'rolling', 'max_seconds'],
        `Parquet files close at every checkpoint (every ${interval} s, checkpoint.interval_seconds), so ` +
          `max_seconds ${maxSeconds} never applies; for fewer files raise the checkpoint interval, use ` +
          'format json or text (their files stay open across checkpoints), or compact the table',
      );
    }
  }
  for (const [name, source] of Object.entries(project.config.sources)) {
    const files = source.files;
    if (!files) continue;
    const found = await resolveFiles(project.dir, files.path).catch(() => []);
    if (found.length === 0) {
      const what = Array.isArray(files.path) ? files.path.join(', ') : files.path;
      const follow = files.follow ? '; with follow: true, files that appear later are read' : '';
      warn(['sources', name, 'files', 'path'], `"${what}" matches no file in ${project.dir} now${follow}`);
    }
  }
  return out;
}
