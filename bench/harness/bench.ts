// Runs the chosen scenarios: inputs are generated once (cached), each repetition runs in a fresh
// child process with a fresh warehouse, and every scenario's records/s is compared with `floor`
// on its own input, measured in the same run.
import { join, resolve } from 'node:path';
import { ensureInput, type InputFile } from './input.ts';
import { runKafkaScenario } from './kafka.ts';
import { countPartFiles, FLOOR_CHILD, figuresOf, RUN_CHILD, runChild, type Sample } from './measure.ts';
import { writeProject } from './projects.ts';
import { type BenchReport, evaluateTargets, machineInfo, type ScenarioReport } from './report.ts';
import { fullRecords, SCENARIO_SPECS, type ScenarioName } from './scenarios.ts';

export interface BenchOptions {
  scenarios: ScenarioName[];
  mode: 'quick' | 'full';
  /** Repetitions per scenario (the median is reported). */
  repeat: number;
  /** Records per input, overriding the mode's sizes (mode becomes `custom` in the report). */
  records?: number;
  /** Inputs and project folders live here (default .cache/bench). */
  cacheDir: string;
  /** Extra node flags for the children, e.g. --cpu-prof. */
  nodeArgs?: string[];
  log?: (line: string) => void;
}

async function sample(
  script: string,
  args: string[],
  input: InputFile,
  warehouse: string | null,
  nodeArgs: string[],
): Promise<Sample> {
  const result = await runChild(script, args, nodeArgs);
  if (result.records !== input.records) {
    throw new Error(`read ${result.records} of the ${input.records} records of ${input.path}`);
  }
  const files = warehouse ? await countPartFiles(warehouse) : { data: 0, errors: 0 };
  return { ...result, bytes: input.bytes, files };
}

export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const log = opts.log ?? (() => {});
  const nodeArgs = opts.nodeArgs ?? [];
  const fail = (report: ScenarioReport, e: unknown) => {
    report.status = 'failed';
    report.reason = (e as Error).message;
    log(`${report.name}: FAILED: ${report.reason}`);
  };
  const cacheDir = resolve(opts.cacheDir);
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const runSample = async (
    name: Exclude<ScenarioName, 'floor' | 'kafka'>,
    input: InputFile,
  ): Promise<Sample> => {
    const dir = join(cacheDir, 'projects', name);
    await writeProject(dir, name, input.path);
    return sample(RUN_CHILD, [dir], input, join(dir, 'warehouse'), nodeArgs);
  };

  // Full runs size each input from one calibration run on the quick input.
  const sizes = new Map<ScenarioName, Promise<number>>();
  const recordsFor = (name: ScenarioName): Promise<number> => {
    const spec = SCENARIO_SPECS[name];
    if (opts.records !== undefined) return Promise.resolve(opts.records);
    if (opts.mode === 'quick') return Promise.resolve(spec.quickRecords);
    if (spec.sizedLike) return recordsFor(spec.sizedLike);
    let size = sizes.get(name);
    if (!size) {
      size = (async () => {
        const input = await ensureInput(cacheDir, spec.input, spec.quickRecords);
        // floor and kafka are sized like one-table, so only pipeline scenarios calibrate.
        const s = await runSample(name as Exclude<ScenarioName, 'floor' | 'kafka'>, input);
        const full = fullRecords(s.records / s.seconds, spec.quickRecords);
        log(
          `${name}: calibration ${Math.round(s.records / s.seconds)} records/s → ${full.toLocaleString('en-US')} records`,
        );
        return full;
      })();
      sizes.set(name, size);
    }
    return size;
  };

  const reports: ScenarioReport[] = [];
  const prepared: { name: ScenarioName; report: ScenarioReport; input: InputFile; samples: Sample[] }[] = [];
  for (const name of opts.scenarios) {
    const spec = SCENARIO_SPECS[name];
    const report: ScenarioReport = { name, summary: spec.summary, status: 'ok' };
    reports.push(report);
    try {
      const records = await recordsFor(name);
      log(`${name}: input ${spec.input.name} × ${records.toLocaleString('en-US')} records…`);
      const input = await ensureInput(cacheDir, spec.input, records);
      report.input = { file: input.path, records: input.records, bytes: input.bytes };
      prepared.push({ name, report, input, samples: [] });
    } catch (e) {
      fail(report, e);
    }
  }

  // Repetitions go round the scenarios (one-table, udf, one-table, udf, …), each round starting
  // with the floor of every input: a shared machine's drift then hits every scenario alike, and
  // the ratios compare runs made at the same time.
  const floors = new Map<string, Sample[]>();
  for (const p of prepared) if (p.name !== 'kafka') floors.set(p.input.path, []);
  const inputs = new Map(prepared.map((p) => [p.input.path, p.input]));
  for (let i = 0; i < opts.repeat; i++) {
    for (const [path, samples] of floors) {
      const input = inputs.get(path) as InputFile;
      samples.push(await sample(FLOOR_CHILD, [input.path], input, null, nodeArgs));
    }
    for (const p of prepared) {
      if (p.name === 'floor' || p.name === 'kafka' || p.report.status === 'failed') continue;
      try {
        p.samples.push(await runSample(p.name, p.input));
        log(`${p.name}: run ${i + 1}/${opts.repeat}: ${(p.samples[i] as Sample).seconds.toFixed(1)} s`);
      } catch (e) {
        fail(p.report, e);
      }
    }
  }
  for (const p of prepared) {
    if (p.report.status === 'failed') continue;
    let samples = p.name === 'floor' ? (floors.get(p.input.path) as Sample[]) : p.samples;
    if (p.name === 'kafka') {
      const outcome = await runKafkaScenario(p.input, opts.repeat);
      if ('skipped' in outcome) {
        p.report.status = 'skipped';
        p.report.reason = outcome.skipped;
        log(`kafka: skipped: ${outcome.skipped}`);
        continue;
      }
      samples = outcome.samples;
      // Kafka runs after the rounds: its floor is measured again next to it.
      floors.set(p.input.path, [await sample(FLOOR_CHILD, [p.input.path], p.input, null, nodeArgs)]);
    }
    p.report.figures = figuresOf(samples);
    p.report.sampleSeconds = samples.map((s) => Math.round(s.seconds * 1000) / 1000);
    const floor = figuresOf(floors.get(p.input.path) as Sample[]);
    p.report.floorRecordsPerSec = floor.recordsPerSec;
    p.report.ratioToFloor = p.report.figures.recordsPerSec / floor.recordsPerSec;
  }
  return {
    format: 'weir-bench/1',
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: opts.records === undefined ? opts.mode : 'custom',
    repeat: opts.repeat,
    machine,
    scenarios: reports,
    targets: evaluateTargets(reports),
  };
}
