// The benchmark report: its JSON shape, the targets of issue 8, the printed table and the files
// under bench/results/.

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Figures } from './measure.ts';
import type { ScenarioName } from './scenarios.ts';

export interface ScenarioReport {
  name: ScenarioName;
  summary: string;
  status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or what failed. */
  reason?: string;
  input?: { file: string; records: number; bytes: number };
  figures?: Figures;
  /** records/s of `floor` on this scenario's own input (same run). */
  floorRecordsPerSec?: number;
  /** figures.recordsPerSec ÷ floorRecordsPerSec. */
  ratioToFloor?: number;
  /** Seconds of each repetition, to see the spread behind the median. */
  sampleSeconds?: number[];
}

export interface Target {
  name: string;
  value: number | null;
  threshold: number;
  /** null when a scenario it needs did not run. */
  met: boolean | null;
}

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  totalMemBytes: number;
  freeMemBytes: number;
  node: string;
  platform: string;
  /** 1, 5 and 15 minute load averages when the run started (the machine may be shared). */
  loadAverage: number[];
}

export interface BenchReport {
  format: 'weir-bench/1';
  startedAt: string;
  finishedAt: string;
  mode: 'quick' | 'full' | 'custom';
  repeat: number;
  machine: MachineInfo;
  scenarios: ScenarioReport[];
  targets: Target[];
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model ?? 'unknown',
    cpus: list.length,
    totalMemBytes: totalmem(),
    freeMemBytes: freemem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export const GIB = 1024 ** 3;

/** The targets of issue 8, on medians: ratios count, not absolute speed. */
export function evaluateTargets(scenarios: ScenarioReport[]): Target[] {
  const ok = (n: ScenarioName) => scenarios.find((s) => s.name === n && s.status === 'ok');
  const target = (
    name: string,
    value: number | null | undefined,
    threshold: number,
    atMost = false,
  ): Target => {
    const v = value ?? null;
    return { name, value: v, threshold, met: v === null ? null : atMost ? v <= threshold : v >= threshold };
  };
  const oneTable = ok('one-table');
  const mixed = ok('mixed');
  const many = ok('many-tables');
  const perOneTable = (name: ScenarioName) => {
    const s = ok(name);
    return s && oneTable ? s.figures!.recordsPerSec / oneTable.figures!.recordsPerSec : null;
  };
  const targets = [
    target('one-table ÷ floor records/s', oneTable?.ratioToFloor, 0.4),
    target(
      'many-tables ÷ mixed records/s',
      many && mixed ? many.figures!.recordsPerSec / mixed.figures!.recordsPerSec : null,
      0.7,
    ),
    // Issue 7: a trivial Python UDF costs less than half of the job's throughput.
    target('udf ÷ one-table records/s', perOneTable('udf'), 0.5),
    target('udf-pre ÷ one-table records/s', perOneTable('udf-pre'), 0.5),
    target('udf-js ÷ one-table records/s', perOneTable('udf-js'), 0.5),
  ];
  for (const s of scenarios) {
    if (s.status === 'ok')
      targets.push(target(`${s.name} peak RSS (GiB)`, s.figures!.peakRssBytes / GIB, 1, true));
  }
  return targets;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, d: number) => n.toFixed(d);

/** The aligned table printed at the end of a run. */
export function formatTable(scenarios: ScenarioReport[]): string {
  const head = [
    'scenario',
    'records',
    'records/s',
    'MB/s',
    'cores',
    'rec/s/core',
    'peak RSS',
    'files',
    '× floor',
    'secs',
  ];
  const rows: string[][] = [head];
  const notes: string[] = [];
  for (const s of scenarios) {
    const f = s.figures;
    if (s.status !== 'ok' || !f) {
      rows.push([s.name, s.status, '', '', '', '', '', '', '', '']);
      notes.push(`${s.name}: ${s.status}: ${s.reason ?? ''}`);
      continue;
    }
    rows.push([
      s.name,
      int(f.records),
      int(f.recordsPerSec),
      fixed(f.mbPerSec, 1),
      fixed(f.coresUsed, 2),
      int(f.recordsPerCoreSec),
      `${int(f.peakRssBytes / 1024 ** 2)} MiB`,
      int(f.filesWritten),
      s.ratioToFloor === undefined ? '' : `${fixed(s.ratioToFloor * 100, 1)}%`,
      fixed(f.seconds, 1),
    ]);
  }
  const widths = head.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

export function formatTargets(targets: Target[]): string {
  return targets
    .map((t) => {
      const mark = t.met === null ? 'n/a ' : t.met ? 'PASS' : 'FAIL';
      const value = t.value === null ? 'not measured' : fixed(t.value, 2);
      const rel = t.name.includes('RSS') ? '≤' : '≥';
      return `${mark}  ${t.name}: ${value} (target ${rel} ${t.threshold})`;
    })
    .join('\n');
}

/** Writes bench/results/<timestamp>.json and bench/results/latest.json; returns the first path. */
export async function writeReport(dir: string, report: BenchReport): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const path = join(dir, `${stamp}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(path, text);
  await writeFile(join(dir, 'latest.json'), text);
  return path;
}
