// Child process of a pipeline scenario: loads the project and runs it to the end of its input.
//   node bench/harness/child-run.ts <project-dir> [batchSize] [until-end]
// `until-end` (Kafka scenario): stop once the topic's end offsets seen at start are reached.
import { loadProject } from '../../src/config/load.ts';
import { runProject } from '../../src/runtime/run.ts';
import { measure } from './child-result.ts';

const [dir, batchArg, mode] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/harness/child-run.ts <project-dir> [batchSize]');
  process.exit(2);
}
const loaded = await loadProject(dir);
if (!loaded.ok) {
  for (const p of loaded.problems) console.error(`${p.path ? `${p.path}: ` : ''}${p.message}`);
  process.exit(1);
}
const project = loaded.project;

await measure(async () => {
  const summary = await runProject(project, {
    batchSize: batchArg ? Number(batchArg) : undefined,
    untilEnd: mode === 'until-end',
  });
  const c = summary.counters;
  const tables = Object.values(c.tables);
  return {
    records: c.recordsRead,
    rowsOut: Object.values(c.sinks).reduce((n, s) => n + s.recordsOut, 0),
    errored: tables.reduce((n, t) => n + t.recordsErrored, 0) + (c.sourceErrors ?? 0),
  };
});
