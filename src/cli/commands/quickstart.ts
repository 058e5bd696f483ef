import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openWarehouse } from '../../connectors/warehouse/sql.ts';
import { writeGenerated } from '../../gen/write.ts';
import { runProject } from '../../runtime/run.ts';
import { parseCommandArgs } from '../args.ts';
import { loadOrReport } from '../load.ts';
import { printSummary } from '../summary.ts';

const HELP = `Usage: weir quickstart [--records N]

Generates sample game logs into examples/quickstart/data/, runs examples/quickstart from a
fresh warehouse, prints the SLA summary and answers a first SQL query over the result.`;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SAMPLE_QUERY = `SELECT l.dt, count(*) AS logins, count(DISTINCT l.role_id) AS roles,
       (SELECT sum(amount) FROM game.payment p WHERE p.dt = l.dt) AS paid
FROM game.login l GROUP BY l.dt ORDER BY l.dt`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'quickstart',
    HELP,
    args,
    { records: { type: 'string', default: '200000' } },
    false,
  );
  if (!parsed.ok) return parsed.code;
  const { values } = parsed;
  const dir = join(ROOT, 'examples', 'quickstart');
  const shown = relative(process.cwd(), dir) || '.';
  const records = Number(values.records);
  const data = join(dir, 'data', 'game.log');
  if (!existsSync(data)) {
    const bytes = await writeGenerated(data, records, { seed: 42 });
    console.log(
      `generated ${records.toLocaleString('en-US')} log lines (${(bytes / 1e6).toFixed(0)} MB) into ${relative(process.cwd(), data)}`,
    );
  }
  const project = await loadOrReport(dir, 'quickstart');
  if (!project) return 1;
  await rm(project.warehouse, { recursive: true, force: true });
  console.log(`running ${shown} …\n`);
  const summary = await runProject(project);
  printSummary(project, summary.counters, summary.seconds);
  const mb =
    summary.counters.recordsRead > 0
      ? ` (${Math.round(summary.counters.recordsRead / summary.seconds).toLocaleString('en-US')} records/s)`
      : '';
  console.log(`\nwarehouse: ${relative(process.cwd(), project.warehouse)}${mb}`);

  const conn = await openWarehouse(project.warehouse);
  try {
    const result = await conn.runAndReadAll(SAMPLE_QUERY);
    console.log(`\n$ npx weir sql ${shown} "${SAMPLE_QUERY.replace(/\s+/g, ' ')}"`);
    const rows = result.getRowObjectsJson();
    for (const r of rows) console.log(`  ${r.dt}  logins=${r.logins}  roles=${r.roles}  paid=${r.paid}`);
  } finally {
    conn.closeSync();
  }
  console.log(
    `\nnext: npx weir errors ${shown}   ·   npx weir status ${shown}   ·   npx weir preview ${shown} --input ${relative(process.cwd(), data)}`,
  );
  return 0;
}
