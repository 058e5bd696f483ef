// The splitter: which sinks of a table take a row (each sink's `when`), and the row as each
// sink loads it (its `columns` plus its partition columns).

import { formatPath } from '../../config/problems.ts';
import type { ResolvedSink, ResolvedTable } from '../../config/project.ts';
import { StageError } from '../../core/errors.ts';
import type { Row } from '../../core/record.ts';
import { type Condition, compileCondition } from './condition.ts';

export interface SplitTarget {
  sink: string;
  /** Undefined: the sink takes every row. */
  when?: Condition;
  /** The sink's view of a row. */
  pick: (row: Row) => Row;
}

export interface Splitter {
  targets: SplitTarget[];
  /** For each target, whether it takes the row. Throws StageError EXPR when a `when` fails. */
  match(row: Row): readonly boolean[];
}

function compilePick(table: ResolvedTable, sink: ResolvedSink): (row: Row) => Row {
  const wanted = sink.config.columns;
  if (!wanted) return (row) => row;
  const keep = new Set([...wanted, ...(sink.config.hive?.partitioned_by ?? [])]);
  const names = table.columns.map((c) => c.name).filter((n) => keep.has(n));
  return (row) => {
    const out: Row = {};
    for (const n of names) out[n] = row[n] ?? null;
    return out;
  };
}

/** Compiles the splitter of one table over the given sinks (those whose `table` is this table). */
export function compileSplitter(table: ResolvedTable, sinks: ResolvedSink[]): Splitter {
  const targets: SplitTarget[] = sinks.map((sink) => {
    const t: SplitTarget = { sink: sink.name, pick: compilePick(table, sink) };
    if (sink.config.when !== undefined) {
      t.when = compileCondition(sink.config.when, table.columns, formatPath(['sinks', sink.name, 'when']));
    }
    return t;
  });
  // Without any `when`, every target takes every row: one shared answer, no array per row.
  const everyTarget: readonly boolean[] = Object.freeze(targets.map(() => true));
  const unconditional = targets.every((t) => t.when === undefined);
  return {
    targets,
    match(row) {
      if (unconditional) return everyTarget;
      return targets.map((t) => {
        if (!t.when) return true;
        try {
          return t.when(row);
        } catch (e) {
          if (e instanceof StageError) {
            const opts: { field?: string; errorClass: string } = { errorClass: e.errorClass };
            if (e.field !== undefined) opts.field = e.field;
            throw new StageError(e.code, `sinks.${t.sink}.when: ${e.message}`, opts);
          }
          throw e;
        }
      });
    },
  };
}
