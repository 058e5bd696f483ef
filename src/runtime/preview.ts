// `weir preview` and the config center's preview, without I/O: run every source's pipeline over
// sample lines and collect, per table, the rows (plain form), the error records and the counters.

import type { Project } from '../config/project.ts';
import type { ErrorRecord } from '../core/errors.ts';
import type { RawRecord } from '../core/record.ts';
import type { SinkCounters, TableCounters } from '../metrics/counters.ts';
import { typeName } from '../stages/formatter/index.ts';
import { type Plain, plainRow } from './display.ts';
import { compilePipeline } from './pipeline.ts';

export interface PreviewError {
  line: number | null;
  code: string;
  stage: string;
  field?: string;
  message: string;
  /** The raw line as text (invalid UTF-8 shown as U+FFFD). */
  raw: string;
}

export interface PreviewTable {
  source: string;
  columns: { name: string; type: string }[];
  rows: { [column: string]: Plain }[];
  errors: PreviewError[];
  counters: TableCounters;
}

export interface PreviewReport {
  tables: Record<string, PreviewTable>;
  sinks: Record<string, SinkCounters & { table: string }>;
  /** Per source: lines routed to no table, and errors before routing (too large, filter failure). */
  sources: Record<string, { unrouted: number; errors: PreviewError[] }>;
}

const BATCH = 1000;
const decoder = new TextDecoder('utf-8', { fatal: false });

function previewError(e: ErrorRecord): PreviewError {
  const out: PreviewError = {
    line: e.position.line ?? null,
    code: e.code,
    stage: e.stage,
    message: e.message,
    raw: decoder.decode(e.raw.subarray(0, 4096)),
  };
  if (e.field !== undefined) out.field = e.field;
  return out;
}

function addTo(into: TableCounters, d: TableCounters): void {
  into.recordsIn += d.recordsIn;
  into.recordsOut += d.recordsOut;
  into.recordsDropped += d.recordsDropped;
  into.recordsErrored += d.recordsErrored;
  for (const [k, v] of Object.entries(d.user)) into.user[k] = (into.user[k] ?? 0) + v;
}

/**
 * Runs the pipelines of the sources (of `onlyTable`'s source when given) over `records`.
 * Throws an Error with the config path when a pipeline does not compile.
 */
export async function previewProject(
  project: Project,
  records: RawRecord[],
  onlyTable?: string,
): Promise<PreviewReport> {
  const report: PreviewReport = { tables: {}, sinks: {}, sources: {} };
  const only = onlyTable === undefined ? undefined : project.tables.find((t) => t.name === onlyTable);
  const sources = only ? [only.config.source] : Object.keys(project.config.sources);
  for (const source of sources) {
    const tables = project.tables.filter((t) => t.config.source === source && (!only || t === only));
    const state = { unrouted: 0, errors: [] as PreviewError[] };
    report.sources[source] = state;
    for (const t of tables) {
      report.tables[t.name] = {
        source,
        columns: t.columns.map((c) => ({ name: c.name, type: typeName(c.type) })),
        rows: [],
        errors: [],
        counters: { recordsIn: 0, recordsOut: 0, recordsDropped: 0, recordsErrored: 0, user: {} },
      };
    }
    const pipeline = await compilePipeline(project, source, {
      sinks: (s) => !only || s.config.table === only.name,
    });
    try {
      for (let i = 0; i < records.length; i += BATCH) {
        const result = await pipeline.process(records.slice(i, i + BATCH));
        state.unrouted += result.counters.unrouted ?? 0;
        for (const e of result.errors) {
          const target = e.table === null ? state : report.tables[e.table];
          target?.errors.push(previewError(e));
        }
        for (const t of tables) {
          const view = report.tables[t.name]!;
          for (const row of result.tableRows.get(t.name) ?? []) view.rows.push(plainRow(t.columns, row));
          const d = result.counters.tables[t.name];
          if (d) addTo(view.counters, d);
        }
        for (const [name, d] of Object.entries(result.counters.sinks)) {
          const table = project.sinks.find((s) => s.name === name)?.config.table ?? '';
          report.sinks[name] ??= { table, recordsIn: 0, recordsOut: 0, recordsDropped: 0 };
          const into = report.sinks[name];
          into.recordsIn += d.recordsIn;
          into.recordsOut += d.recordsOut;
          into.recordsDropped += d.recordsDropped;
        }
      }
    } finally {
      await pipeline.close();
    }
  }
  return report;
}
