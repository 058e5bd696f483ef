// The columns a sink loads: the table's, or the sink's `columns` (plus its partition columns).
import type { Project } from '../config/project.ts';

export function sinkColumns(project: Project, sinkName: string) {
  const sink = project.sinks.find((s) => s.name === sinkName)!;
  const table = project.tables.find((t) => t.name === sink.config.table)!;
  const wanted = sink.config.columns;
  if (!wanted) return table.columns;
  const keep = new Set([...wanted, ...(sink.config.hive?.partitioned_by ?? [])]);
  return table.columns.filter((c) => keep.has(c.name));
}
