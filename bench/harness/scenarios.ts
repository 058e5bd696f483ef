// The benchmark scenarios: which generated input each one reads and how many records it gets in a
// quick and a full run. The weir.yaml of each scenario is built in projects.ts.
import type { GenerateOptions } from '../../src/gen/gamelogs.ts';

export const SCENARIOS = ['floor', 'one-table', 'mixed', 'many-tables', 'udf', 'kafka'] as const;
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
  /** Records per input in a quick run and a full run (full: sized so the scenario runs ≥ 20 s). */
  records: { quick: number; full: number };
}

export const SCENARIO_SPECS: Record<ScenarioName, Scenario> = {
  floor: {
    name: 'floor',
    summary: 'read the one-table input, split lines, JSON.parse each body; nothing else',
    input: INPUTS.oneKind,
    records: { quick: 150_000, full: 1_200_000 },
  },
  'one-table': {
    name: 'one-table',
    summary: 'one operation-log table → Parquet (zstd), partitioned by dt',
    input: INPUTS.oneKind,
    records: { quick: 150_000, full: 1_200_000 },
  },
  mixed: {
    name: 'mixed',
    summary: '3 log kinds → 3 tables: Parquet + JSON + Text',
    input: INPUTS.threeKinds,
    records: { quick: 150_000, full: 1_200_000 },
  },
  'many-tables': {
    name: 'many-tables',
    summary: '1,000 log kinds → 1,000 Parquet tables on one source',
    input: INPUTS.thousandKinds,
    records: { quick: 150_000, full: 1_200_000 },
  },
  udf: {
    name: 'udf',
    summary: 'one-table plus a Python postprocess UDF that returns the record',
    input: INPUTS.oneKind,
    records: { quick: 100_000, full: 600_000 },
  },
  kafka: {
    name: 'kafka',
    summary: 'Kafka topic → one Parquet table on the local broker',
    input: INPUTS.oneKind,
    records: { quick: 150_000, full: 1_200_000 },
  },
};

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
