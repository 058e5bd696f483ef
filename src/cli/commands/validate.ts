// `weir validate <dir>`: load a project and report every problem with its config path.
import { loadProject } from '../../config/load.ts';
import { formatProblem } from '../../config/problems.ts';
import { projectWarnings } from '../../config/warnings.ts';
import { parseCommandArgs } from '../args.ts';

const HELP = `Usage: weir validate <dir>

Checks the project in <dir> (its weir.yaml, column types, references between sources, tables
and sinks, regexes, time formats, UDF files and what Python UDFs import) and prints every problem
as \`config.path: message\`, then warnings (a table no sink loads, a file pattern matching no file).
Exits 0 when the project is valid (warnings or not), 1 otherwise.
Example: weir validate examples/tour`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('validate', HELP, args, {});
  if (!parsed.ok) return parsed.code;
  const dir = parsed.positionals[0] ?? '.';
  const result = await loadProject(dir, { deep: true });
  if (!result.ok) {
    for (const p of result.problems) console.error(formatProblem(p));
    const n = result.problems.length;
    console.error(`\n${n} problem${n === 1 ? '' : 's'} in ${dir}`);
    return 1;
  }
  const { project } = result;
  const sources = Object.keys(project.config.sources).length;
  console.log(
    `ok: ${count(sources, 'source')}, ${count(project.tables.length, 'table')}, ${count(project.sinks.length, 'sink')}`,
  );
  for (const w of await projectWarnings(project)) console.log(`warning: ${formatProblem(w)}`);
  return 0;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
