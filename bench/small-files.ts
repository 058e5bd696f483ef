// The `small-files` scenario (npm run bench -- --only small-files): the mixed input (3 tables:
// Parquet, JSON, Text) loaded by a job that checkpoints every 0.2 s, as a long follow-mode run
// would over many checkpoints; then every table compacted. Prints, per table, the files per
// partition and their average size before and after, and the compaction throughput (MB/s of input
// merged, listing pause excluded).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadProject } from '../src/config/load.ts';
import { runProject } from '../src/runtime/run.ts';
import { compactionTables, compactTable, type TableFiles, tableFiles } from '../src/sinks/compaction.ts';
import { registerTables } from '../src/sinks/recovery.ts';
import { ensureInput } from './harness/input.ts';
import { projectConfig } from './harness/projects.ts';
import { INPUTS } from './harness/scenarios.ts';

export interface SmallFilesRow {
  table: string;
  partitions: number;
  before: { files: number; perPartition: number; averageBytes: number };
  after: { files: number; perPartition: number; averageBytes: number };
  mbPerSecond: number;
}

const per = (f: TableFiles) => ({
  files: f.files,
  perPartition: f.partitions ? f.files / f.partitions : 0,
  averageBytes: f.files ? f.bytes / f.files : 0,
});

export async function runSmallFiles(opts: {
  cacheDir: string;
  records: number;
  log: (line: string) => void;
}): Promise<{ rows: SmallFilesRow[]; checkpoints: number; seconds: number }> {
  const input = await ensureInput(opts.cacheDir, INPUTS.threeKinds, opts.records);
  const dir = join(opts.cacheDir, 'projects', 'small-files');
  await mkdir(dir, { recursive: true });
  await rm(join(dir, 'warehouse'), { recursive: true, force: true });
  const config = {
    ...projectConfig('mixed', input.path),
    version: 'bench-small-files',
    checkpoint: { interval_seconds: 0.2 },
  };
  await writeFile(join(dir, 'weir.yaml'), stringify(config, { lineWidth: 0 }));
  const loaded = await loadProject(dir);
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  const project = loaded.project;
  opts.log(`small-files: loading ${input.records} records with a checkpoint every 0.2 s`);
  const t0 = performance.now();
  let checkpoints = 0;
  await runProject(project, { onProgress: (_s, p) => (checkpoints = Math.max(checkpoints, p.checkpoints)) });
  const seconds = (performance.now() - t0) / 1000;
  const catalog = await registerTables(project);
  const rows: SmallFilesRow[] = [];
  for (const table of compactionTables(project, catalog)) {
    const before = await tableFiles(table);
    if (before.files === 0) continue;
    const results = await compactTable(table, { settings: { min_files: 2, grace_seconds: 0 } });
    const bytes = results.reduce((n, r) => n + r.inputBytes, 0);
    const merging = results.reduce((n, r) => n + r.mergeSeconds, 0);
    const after = await tableFiles(table);
    rows.push({
      table: table.label,
      partitions: before.partitions,
      before: per(before),
      after: per(after),
      mbPerSecond: merging > 0 ? bytes / 1e6 / merging : 0,
    });
  }
  return { rows, checkpoints, seconds };
}

export function formatSmallFiles(rows: SmallFilesRow[]): string {
  const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
  const header = [
    'table',
    'partitions',
    'files before',
    'per partition',
    'avg size',
    'files after',
    'per partition',
    'avg size',
    'compaction MB/s',
  ];
  const lines = [header];
  for (const r of rows)
    lines.push([
      r.table,
      String(r.partitions),
      String(r.before.files),
      r.before.perPartition.toFixed(1),
      kib(r.before.averageBytes),
      String(r.after.files),
      r.after.perPartition.toFixed(1),
      kib(r.after.averageBytes),
      r.mbPerSecond > 0 ? r.mbPerSecond.toFixed(0) : '-',
    ]);
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines
    .map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}
