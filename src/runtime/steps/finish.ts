// The end of a table's pipeline: formatter → drop_when → user counters → splitter.

import { formatPath } from '../../config/problems.ts';
import type { ResolvedSink, ResolvedTable } from '../../config/project.ts';
import { StageError } from '../../core/errors.ts';
import type { ParsedRecord, Row, SourcePosition } from '../../core/record.ts';
import { compileFormatter } from '../../stages/formatter/index.ts';
import { type Condition, compileCondition } from '../../stages/splitter/condition.ts';
import { compileSplitter, type Splitter } from '../../stages/splitter/index.ts';
import { failureOf } from './errors.ts';
import type { Item, TableBatch } from './types.ts';

export interface Finish {
  splitter: Splitter;
  /**
   * Formats and sorts the items: rows kept for the table, rows per target index of the splitter and,
   * parallel to those, the source position each sink row came from.
   */
  run(
    items: Item[],
    batch: TableBatch,
    tableRows: Row[],
    sinkRows: Row[][],
    sinkOrigins?: SourcePosition[][],
  ): void;
}

function labelled(what: string, e: unknown): unknown {
  if (!(e instanceof StageError)) return e;
  const opts: { field?: string; errorClass: string } = { errorClass: e.errorClass };
  if (e.field !== undefined) opts.field = e.field;
  return new StageError(e.code, `${what}: ${e.message}`, opts);
}

const NO_HITS: string[] = [];

export function compileFinish(table: ResolvedTable, sinks: ResolvedSink[]): Finish {
  const format = compileFormatter(table.columns);
  const base = formatPath(['tables', table.name]);
  const cfg = table.config;
  const dropWhen: Condition | undefined =
    cfg.drop_when === undefined
      ? undefined
      : compileCondition(cfg.drop_when, table.columns, `${base}.drop_when`);
  const counters = Object.entries(cfg.counters ?? {}).map(([name, text]) => ({
    name,
    path: formatPath(['tables', table.name, 'counters', name]),
    test: compileCondition(text, table.columns, formatPath(['tables', table.name, 'counters', name])),
  }));
  const splitter = compileSplitter(table, sinks);
  const sinkStats = splitter.targets;

  return {
    splitter,
    run(items, batch, tableRows, sinkRows, sinkOrigins) {
      const c = batch.counters;
      for (const name of counters.map((x) => x.name)) c.user[name] ??= 0;
      for (const item of items) {
        let row: Row;
        try {
          row = format(item.value as ParsedRecord);
        } catch (e) {
          batch.fail(item, failureOf(e, 'formatter', 'CAST'));
          continue;
        }
        let hits: string[];
        let takes: readonly boolean[];
        try {
          try {
            if (dropWhen?.(row)) {
              c.recordsDropped++;
              continue;
            }
          } catch (e) {
            throw labelled(`${base}.drop_when`, e);
          }
          hits = NO_HITS;
          for (const counter of counters) {
            try {
              if (counter.test(row)) {
                if (hits === NO_HITS) hits = [];
                hits.push(counter.name);
              }
            } catch (e) {
              throw labelled(counter.path, e);
            }
          }
          takes = splitter.match(row);
        } catch (e) {
          batch.fail(item, failureOf(e, 'splitter', 'EXPR'));
          continue;
        }
        c.recordsOut++;
        for (const name of hits) c.user[name]! += 1;
        tableRows.push(row);
        for (let i = 0; i < takes.length; i++) {
          if (!takes[i]) continue;
          sinkRows[i]!.push(sinkStats[i]!.pick(row));
          sinkOrigins?.[i]?.push(item.raw.position);
        }
      }
    },
  };
}
