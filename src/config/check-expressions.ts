// Load-time check of every expression of a project (derive, drop_when, counters, sink `when`),
// each through the build the job runs:
// each one that does not compile becomes a config problem with its path, e.g.
// `tables.login.drop_when: unknown field "sever_id" at column 1 (did you mean server_id?)`.

import { buildDerive } from '../stages/extenders/derive.ts';
import { ConfigPathError, compileCondition } from '../stages/splitter/condition.ts';
import type { Problem } from './problems.ts';
import { formatPath } from './problems.ts';
import type { Project } from './project.ts';

function attempt(problems: Problem[], path: string, compile: () => unknown): void {
  try {
    compile();
  } catch (e) {
    if (e instanceof ConfigPathError) problems.push({ path: e.path, message: e.problem });
    else problems.push({ path, message: (e as Error).message });
  }
}

export function expressionProblems(project: Project): Problem[] {
  const problems: Problem[] = [];
  for (const table of project.tables) {
    const cfg = table.config;
    cfg.extend.forEach((ext, i) => {
      if (!('derive' in ext)) return;
      // The derive extender's own build (src/stages/extenders/derive.ts), as the job runs it.
      for (const p of buildDerive(ext.derive).problems)
        problems.push({
          path: formatPath(['tables', table.name, 'extend', i, 'derive', ...p.path]),
          message: p.message,
        });
    });
    if (cfg.drop_when !== undefined) {
      const path = formatPath(['tables', table.name, 'drop_when']);
      attempt(problems, path, () => compileCondition(cfg.drop_when!, table.columns, path));
    }
    for (const [name, text] of Object.entries(cfg.counters ?? {})) {
      const path = formatPath(['tables', table.name, 'counters', name]);
      attempt(problems, path, () => compileCondition(text, table.columns, path));
    }
  }
  for (const sink of project.sinks) {
    const table = project.tables.find((t) => t.name === sink.config.table);
    if (!table || sink.config.when === undefined) continue;
    const path = formatPath(['sinks', sink.name, 'when']);
    attempt(problems, path, () => compileCondition(sink.config.when!, table.columns, path));
  }
  return problems;
}
