import type { Project } from '../config/project.ts';
import type { Counters } from '../metrics/counters.ts';

const n = (v: number) => v.toLocaleString('en-US');

/** Aligned text table; the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
    .join('\n');
}

/** `print`: where the lines go (standard output; standard error when a console sink owns stdout). */
export function printSummary(
  project: Project,
  c: Counters,
  seconds?: number,
  print: (text: string) => void = console.log,
): void {
  const head = seconds === undefined ? '' : ` in ${seconds.toFixed(1)} s`;
  print(
    `read ${n(c.recordsRead)} records${head}; ${n(c.unrouted)} matched no table${c.sourceErrors ? `, ${n(c.sourceErrors)} rejected by the source` : ''}`,
  );
  const tableRows = [['table', 'in', 'out', 'dropped', 'errored', 'user counters']];
  for (const t of project.tables) {
    const x = c.tables[t.name] ?? {
      recordsIn: 0,
      recordsOut: 0,
      recordsDropped: 0,
      recordsErrored: 0,
      user: {},
    };
    const user = Object.entries(x.user)
      .map(([k, v]) => `${k}=${n(v)}`)
      .join(' ');
    tableRows.push([t.name, n(x.recordsIn), n(x.recordsOut), n(x.recordsDropped), n(x.recordsErrored), user]);
  }
  print(`\n${table(tableRows)}`);
  const sinkRows = [['sink', 'target', 'in', 'out', 'dropped', 'errored']];
  for (const s of project.sinks) {
    const x = c.sinks[s.name] ?? { recordsIn: 0, recordsOut: 0, recordsDropped: 0 };
    const target = s.config.hive
      ? `${s.config.hive.database}.${s.config.hive.table ?? s.name} (${s.config.hive.format})`
      : s.config.kafka
        ? `kafka ${s.config.kafka.topic} (${s.config.kafka.format})`
        : `console ${s.config.console?.path ?? '(standard output)'}`;
    sinkRows.push([
      s.name,
      target,
      n(x.recordsIn),
      n(x.recordsOut),
      n(x.recordsDropped),
      n(x.recordsErrored ?? 0),
    ]);
  }
  print(`\n${table(sinkRows)}`);
}
