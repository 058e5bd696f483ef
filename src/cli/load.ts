// Shared by commands: load a project or print its problems.
import { loadProject } from '../config/load.ts';
import { formatProblem } from '../config/problems.ts';
import type { Project } from '../config/project.ts';

export async function loadOrReport(dir: string | undefined, command: string): Promise<Project | null> {
  if (!dir) {
    console.error(`weir ${command}: give the project folder, e.g. \`weir ${command} examples/quickstart\``);
    return null;
  }
  const loaded = await loadProject(dir);
  if (!loaded.ok) {
    console.error(`weir ${command}: ${dir}/weir.yaml has ${loaded.problems.length} problem(s):`);
    for (const p of loaded.problems) console.error(`  ${formatProblem(p)}`);
    return null;
  }
  return loaded.project;
}
