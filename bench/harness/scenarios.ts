// The benchmark scenarios: which generated input each one reads and how many records it gets in a
// quick and a full run. The weir.yaml of each scenario is built in projects.ts.
import type { GenerateOptions } from '../../src/gen/gamelogs.ts';

export const SCENARIOS = [
  'floor',
  'one-table',
  'mixed',
  'many-tables',
  'udf',
  'udf-pre',
  'udf-js',
  'kafka',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** A generated input file: the same name and size always give the same bytes. */
export interface InputSpec {
  name: string;
  gen: GenerateOptions;
}

// Every input holds only operation logs (no nginx/program lines) so that scenarios differ only in
// the number of log kinds and tables, and records/s compare like with like.
const COMMON: GenerateOptions = { seed: 8, malformed: 0.01, drift: 0.02, otherLogs: 0 };

export const INPUTS = {
  oneKind: { name: 'one-table', gen: { ...COMMON, kinds: 1 } },
  threeKinds: { name: 'mixed', gen: { ...COMMON, kinds: 3 } },
  thousandKinds: { name: 'many-tables', gen: { ...COMMON, kinds: 1000 } },
} satisfies Record<string, InputSpec>;

export interface Scenario {
  name: ScenarioName;
  summary: string;
  input: InputSpec;
  /** Records of its input in a quick run. A full run sizes the input from a calibration run (fullRecords). */
  quickRecords: number;
  /** Scenarios reading the same input as another (floor, udf, kafka) take that one's size. */
  sizedLike?: ScenarioName;
}

const QUICK = 120_000;

export const SCENARIO_SPECS: Record<ScenarioName, Scenario> = {
  floor: {
    name: 'floor',
    summary: 'read the one-table input, split lines, JSON.parse each body; nothing else',
    input: INPUTS.oneKind,
    quickRecords: QUICK,
    sizedLike: 'one-table',
  },
  'one-table': {
    name: 'one-table',
    summary: 'one operation-log table → Parquet (zstd), partitioned by dt',
    input: INPUTS.oneKind,
    quickRecords: QUICK,
  },
  mixed: {
    name: 'mixed',
    summary: '3 log kinds → 3 tables: Parquet + JSON + Text',
    input: INPUTS.threeKinds,
    quickRecords: QUICK,
  },
  'many-tables': {
    name: 'many-tables',
    summary: '1,000 log kinds → 1,000 Parquet tables on one source',
    input: INPUTS.thousandKinds,
    quickRecords: QUICK,
  },
  udf: {
    name: 'udf',
    summary: 'one-table plus a Python postprocess UDF that returns the record',
    input: INPUTS.oneKind,
    quickRecords: QUICK,
  },
  'udf-pre': {
    name: 'udf-pre',
    summary: 'one-table plus a Python preprocess UDF that returns the line',
    input: INPUTS.oneKind,
    quickRecords: QUICK,
  },
  'udf-js': {
    name: 'udf-js',
    summary: 'one-table plus a JS postprocess UDF (in its isolate) that returns the record',
    input: INPUTS.oneKind,
    quickRecords: QUICK,
  },
  kafka: {
    name: 'kafka',
    summary: 'Kafka topic → one Parquet table on the local broker',
    input: INPUTS.oneKind,
    quickRecords: QUICK,
    sizedLike: 'one-table',
  },
};

/**
 * Seconds a full run aims at, per the calibration run. That run (small input, cold JIT) underestimates
 * the steady speed by up to about 1.8×, so this is well above the 20 s.
 */
export const FULL_SECONDS = 40;

/**
 * Records for a full run of a scenario that did `recordsPerSec` in its calibration run: the smallest
 * step of a fixed ladder (125k, 187.5k, 250k, 375k, 500k, …) lasting FULL_SECONDS, so that cached
 * inputs get reused from run to run.
 */
export function fullRecords(recordsPerSec: number, quick: number): number {
  const need = Math.max(quick, recordsPerSec * FULL_SECONDS);
  for (let n = 125_000; ; n *= 2) {
    if (n >= need) return n;
    if (n * 1.5 >= need) return n * 1.5;
  }
}

/** Parses `--only a,b`; throws a plain message naming the scenarios that exist. */
export function pickScenarios(only: string | undefined): ScenarioName[] {
  if (only === undefined || only.trim() === '') return [...SCENARIOS];
  const picked = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = picked.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario(s) ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`);
  }
  return SCENARIOS.filter((s) => picked.includes(s));
}
