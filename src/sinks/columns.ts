// The columns a sink loads, in the order its Hive DDL declares them: the sink's `columns` (or the
// table's), with any partition column the list leaves out appended.
import type { Project } from '../config/project.ts';
import { sinkColumns as declaredColumns } from '../config/resolve.ts';
import type { Column } from '../core/types.ts';

export function sinkColumns(project: Project, sinkName: string): Column[] {
  const sink = project.sinks.find((s) => s.name === sinkName)!;
  const table = project.tables.find((t) => t.name === sink.config.table)!;
  const columns = declaredColumns(table, sink);
  const missing = (sink.config.hive?.partitioned_by ?? []).filter((p) => !columns.some((c) => c.name === p));
  return [...columns, ...table.columns.filter((c) => missing.includes(c.name))];
}
