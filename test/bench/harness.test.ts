// Smoke test of the benchmark harness (bench/), so it cannot silently rot: every generated project
// loads, and `floor` on 2,000 records yields a well-formed report. No timing is asserted.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runBench } from '../../bench/harness/bench.ts';
import { ensureInput } from '../../bench/harness/input.ts';
import { writeProject } from '../../bench/harness/projects.ts';
import { formatTable, writeReport } from '../../bench/harness/report.ts';
import { fullRecords, pickScenarios, SCENARIO_SPECS, SCENARIOS } from '../../bench/harness/scenarios.ts';
import { loadProject } from '../../src/config/load.ts';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'weir-bench-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('every generated scenario project is a valid Weir project', async () => {
  const cases = [
    ['one-table', 1],
    ['mixed', 3],
    ['many-tables', 1000],
    ['udf', 1],
    ['udf-pre', 1],
    ['udf-js', 1],
  ] as const;
  for (const [scenario, tables] of cases) {
    const dir = join(tmp, 'projects', scenario);
    await writeProject(dir, scenario, join(tmp, 'input.log'));
    const loaded = await loadProject(dir);
    assert.ok(
      loaded.ok,
      `${scenario}: ${loaded.ok ? '' : loaded.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
    assert.equal(loaded.project.tables.length, tables, scenario);
    assert.equal(loaded.project.sinks.length, tables, scenario);
  }
  const kafka = join(tmp, 'projects', 'kafka');
  await writeProject(kafka, 'kafka', { brokers: ['localhost:9092'], topic: 'bench', group: 'g1' });
  assert.ok((await loadProject(kafka)).ok);
});

test('floor on 2,000 records gives a complete report', async () => {
  const report = await runBench({
    scenarios: ['floor'],
    mode: 'quick',
    repeat: 1,
    records: 2000,
    cacheDir: join(tmp, 'cache'),
  });
  assert.equal(report.format, 'weir-bench/1');
  assert.equal(report.mode, 'custom');
  assert.equal(report.scenarios.length, 1);
  const floor = report.scenarios[0];
  assert.equal(floor.status, 'ok', floor.reason);
  assert.equal(floor.input?.records, 2000);
  const f = floor.figures!;
  assert.equal(f.records, 2000);
  // The generator makes about 1% malformed records; every other body parses.
  assert.equal(f.rowsOut + f.errored, 2000);
  assert.ok(f.errored > 0 && f.errored < 100, `errored ${f.errored}`);
  for (const key of [
    'recordsPerSec',
    'mbPerSec',
    'coresUsed',
    'recordsPerCoreSec',
    'peakRssBytes',
  ] as const) {
    assert.ok(Number.isFinite(f[key]) && f[key] > 0, `${key} = ${f[key]}`);
  }
  assert.equal(f.bytes, floor.input?.bytes);
  assert.equal(floor.ratioToFloor, 1);
  assert.ok(report.targets.some((t) => t.name === 'floor peak RSS (GiB)' && t.met === true));
  assert.ok(report.targets.some((t) => t.name.startsWith('one-table') && t.met === null));
  assert.match(formatTable(report.scenarios), /^floor\s+2,000\s/m);

  const path = await writeReport(join(tmp, 'results'), report);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), report);
  assert.deepEqual(JSON.parse(await readFile(join(tmp, 'results', 'latest.json'), 'utf8')), report);
});

test('the same input is generated once and reused', async () => {
  const cacheDir = join(tmp, 'cache');
  const spec = SCENARIO_SPECS.floor.input;
  const first = await ensureInput(cacheDir, spec, 2000);
  const written = (await stat(first.path)).mtimeMs;
  const again = await ensureInput(cacheDir, spec, 2000);
  assert.deepEqual(again, first);
  assert.equal((await stat(again.path)).mtimeMs, written);
  // A different generator option is a different input: the cached file is not taken for it.
  const other = await ensureInput(cacheDir, { ...spec, gen: { ...spec.gen, seed: 9 } }, 2000);
  assert.notEqual(other.bytes, first.bytes);
});

test('--only names and full-run sizes', () => {
  assert.deepEqual(pickScenarios(undefined), [...SCENARIOS]);
  assert.deepEqual(pickScenarios('udf, floor'), ['floor', 'udf']);
  assert.throws(() => pickScenarios('floor,onetable'), /unknown scenario\(s\) onetable; choose from floor/);
  // 10,000 records/s for 40 s needs 400,000 records: the ladder's 500,000 step.
  assert.equal(fullRecords(10_000, 120_000), 500_000);
  assert.equal(fullRecords(6_000, 120_000), 250_000);
  assert.equal(fullRecords(100, 120_000), 125_000);
  assert.equal(fullRecords(100, 130_000), 187_500);
});

test('repetitions go round the scenarios, each round after the floor of the input', async () => {
  const lines: string[] = [];
  const report = await runBench({
    scenarios: ['one-table', 'mixed'],
    mode: 'quick',
    repeat: 2,
    records: 1000,
    cacheDir: join(tmp, 'rounds'),
    log: (line) => lines.push(line),
  });
  const runs = lines
    .filter((l) => / run \d\/2: /.test(l))
    .map((l) => l.slice(0, l.indexOf(':', l.indexOf('run'))));
  assert.deepEqual(runs, ['one-table: run 1/2', 'mixed: run 1/2', 'one-table: run 2/2', 'mixed: run 2/2']);
  for (const s of report.scenarios) {
    assert.equal(s.status, 'ok', s.reason);
    assert.equal(s.sampleSeconds?.length, 2);
    assert.ok((s.ratioToFloor ?? 0) > 0);
  }
});
