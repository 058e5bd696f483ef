// The per-source pipeline: one read of the source feeds every table of it.
//   raw batch → router → per table: preprocess UDF → parser → extenders → formatter → drop_when
//   → user counters → splitter → rows per sink
// Compiled once per config; `process` works batch by batch (each UDF is called once per batch).
// Every per-record failure becomes an ErrorRecord; nothing a record contains throws out of here.

import type { Project, ResolvedSink, ResolvedTable } from '../config/project.ts';
import type { ErrorRecord } from '../core/errors.ts';
import type { RawRecord, Row, SourcePosition } from '../core/record.ts';
import type { CounterDelta, TableCounters } from '../metrics/counters.ts';
import { compileRouter } from '../stages/filter/router.ts';
import type { UdfRunner } from '../udf/types.ts';
import { errorRecord, failureOf } from './steps/errors.ts';
import { compileFinish, type Finish } from './steps/finish.ts';
import { deriveStep, flattenStep, parseStep } from './steps/record-steps.ts';
import type { Item, Step, TableBatch } from './steps/types.ts';
import { loadUdf, postprocessStep, preprocessStep } from './steps/udf.ts';

export type { CounterDelta } from '../metrics/counters.ts';

export interface Pipeline {
  process(batch: RawRecord[]): Promise<BatchResult>;
  close(): Promise<void>;
}

export interface BatchResult {
  rows: Map<string /* sink name */, Row[]>;
  /** Per sink, parallel to `rows`: the source position each row came from (for record ids). */
  origins: Map<string, SourcePosition[]>;
  /** rows per table after drop_when, before sinks (for preview) */
  tableRows: Map<string, Row[]>;
  errors: ErrorRecord[];
  counters: CounterDelta;
}

export interface PipelineOptions {
  /** Which sinks to fill (default: every sink of the source's tables). */
  sinks?: (sink: ResolvedSink) => boolean;
}

interface TablePipeline {
  name: string;
  steps: Step[];
  finish: Finish;
}

async function compileTable(
  project: Project,
  table: ResolvedTable,
  sinks: ResolvedSink[],
  runners: UdfRunner[],
): Promise<TablePipeline> {
  const base = `tables.${table.name}`;
  const cfg = table.config;
  const udfOpts = {
    projectDir: project.dir,
    timeoutMs: project.config.udf.timeout_ms,
    memoryMb: project.config.udf.memory_mb,
  };
  const load = async (
    ref: Parameters<typeof loadUdf>[0],
    kind: 'preprocess' | 'postprocess',
    path: string,
  ) => {
    try {
      const runner = await loadUdf(ref, kind, udfOpts);
      runners.push(runner);
      return runner;
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
  };
  const steps: Step[] = [];
  if (cfg.preprocess !== undefined) {
    steps.push(preprocessStep(await load(cfg.preprocess, 'preprocess', `${base}.preprocess`)));
  }
  try {
    steps.push(parseStep(cfg.parser));
  } catch (e) {
    throw new Error(`${base}.parser: ${(e as Error).message}`);
  }
  for (const [i, ext] of cfg.extend.entries()) {
    const at = `${base}.extend[${i}]`;
    if ('flatten' in ext) {
      try {
        steps.push(flattenStep(ext.flatten));
      } catch (e) {
        throw new Error(`${at}.flatten: ${(e as Error).message}`);
      }
    } else if ('derive' in ext)
      steps.push(deriveStep(ext.derive, ['tables', table.name, 'extend', i, 'derive']));
    else steps.push(postprocessStep(await load(ext.udf, 'postprocess', `${at}.udf`)));
  }
  return { name: table.name, steps, finish: compileFinish(table, sinks) };
}

function emptyTableCounters(): TableCounters {
  return { recordsIn: 0, recordsOut: 0, recordsDropped: 0, recordsErrored: 0, user: {} };
}

/**
 * Compiles the pipeline of one source: every table reading it, and the sinks of those tables
 * (filtered by `opts.sinks`). Throws an Error naming the config path when something does not compile.
 */
export async function compilePipeline(
  project: Project,
  sourceName: string,
  opts: PipelineOptions = {},
): Promise<Pipeline> {
  const source = project.config.sources[sourceName];
  if (!source) throw new Error(`unknown source "${sourceName}"`);
  const maxBytes = source.max_record_bytes;
  const tables = project.tables.filter((t) => t.config.source === sourceName);
  const runners: UdfRunner[] = [];
  const pipelines = new Map<string, TablePipeline>();
  try {
    for (const table of tables) {
      const sinks = project.sinks.filter((s) => s.config.table === table.name && (opts.sinks?.(s) ?? true));
      pipelines.set(table.name, await compileTable(project, table, sinks, runners));
    }
  } catch (e) {
    await Promise.allSettled(runners.map((r) => r.close()));
    throw e;
  }
  const router = compileRouter(tables.map((t) => ({ name: t.name, filter: t.config.filter })));
  const version = project.version;

  async function runTable(
    p: TablePipeline,
    routed: RawRecord[],
    result: BatchResult,
    time: number,
  ): Promise<void> {
    const counters = emptyTableCounters();
    counters.recordsIn = routed.length;
    const batch: TableBatch = {
      table: p.name,
      counters,
      errors: result.errors,
      fail(item: Item, failure) {
        counters.recordsErrored++;
        result.errors.push(errorRecord(failure, p.name, item.raw, version, time));
      },
    };
    let items: Item[] = routed.map((raw) => ({ raw, value: raw.text }));
    for (const step of p.steps) {
      if (items.length === 0) break;
      items = await step(items, batch);
    }
    const tableRows: Row[] = [];
    const sinkRows: Row[][] = p.finish.splitter.targets.map(() => []);
    const sinkOrigins: SourcePosition[][] = p.finish.splitter.targets.map(() => []);
    p.finish.run(items, batch, tableRows, sinkRows, sinkOrigins);
    result.tableRows.set(p.name, tableRows);
    result.counters.tables[p.name] = counters;
    p.finish.splitter.targets.forEach((target, i) => {
      const rows = sinkRows[i]!;
      result.rows.set(target.sink, rows);
      result.origins.set(target.sink, sinkOrigins[i]!);
      result.counters.sinks[target.sink] = {
        recordsIn: tableRows.length,
        recordsOut: rows.length,
        recordsDropped: tableRows.length - rows.length,
      };
    });
  }

  return {
    async process(records) {
      const time = Date.now();
      const result: BatchResult = {
        rows: new Map(),
        origins: new Map(),
        tableRows: new Map(),
        errors: [],
        counters: { tables: {}, sinks: {}, unrouted: 0 },
      };
      const routed = new Map<string, RawRecord[]>([...pipelines.keys()].map((name) => [name, []]));
      for (const raw of records) {
        if (raw.bytes.length > maxBytes) {
          const message = `the record has ${raw.bytes.length} bytes; the source allows ${maxBytes} (max_record_bytes)`;
          result.errors.push(
            errorRecord(
              { code: 'RECORD_TOO_LARGE', stage: 'filter', errorClass: 'RangeError', message },
              null,
              raw,
              version,
              time,
            ),
          );
          continue;
        }
        let names: string[];
        try {
          names = router.route(raw.text);
        } catch (e) {
          result.errors.push(errorRecord(failureOf(e, 'filter', 'FILTER_REGEX'), null, raw, version, time));
          continue;
        }
        if (names.length === 0) result.counters.unrouted! += 1;
        for (const name of names) routed.get(name)?.push(raw);
      }
      for (const [name, p] of pipelines) await runTable(p, routed.get(name)!, result, time);
      return result;
    },
    async close() {
      await Promise.allSettled(runners.map((r) => r.close()));
    },
  };
}
