// `npm run bench [-- options]`: how fast Weir is and where the time goes (see bench/README.md).
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBench } from './harness/bench.ts';
import { formatTable, formatTargets, writeReport } from './harness/report.ts';
import { pickScenarios, SCENARIOS } from './harness/scenarios.ts';
import { formatSmallFiles, runSmallFiles } from './small-files.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

const HELP = `Usage: npm run bench -- [--quick] [--only a,b] [--repeat N] [--records N] [--cpu-prof]

Runs the benchmark scenarios (${SCENARIOS.join(', ')}), each in its own child process,
prints a table and writes bench/results/<timestamp>.json and bench/results/latest.json.
Then small-files: files per partition and their size before and after compaction, and its MB/s.

  --quick        small inputs, one repetition: under two minutes (default: full run, 3 repetitions,
                 inputs sized so each scenario runs at least 20 s)
  --only a,b     run only these scenarios (floor is still measured for the ratios)
  --repeat N     repetitions per scenario; the median is reported
  --records N    records per input instead of the mode's sizes
  --cpu-prof     write a V8 CPU profile of every child to .cache/bench/profiles/
                 (summarise one with: node bench/profile-top.ts <file.cpuprofile>)`;

function positiveInt(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${flag} must be a positive whole number, got "${raw}"`);
  return n;
}

async function printSmallFiles(mode: 'quick' | 'full', records: number | undefined): Promise<void> {
  const r = await runSmallFiles({
    cacheDir: join(ROOT, '.cache', 'bench'),
    records: records ?? (mode === 'quick' ? 120_000 : 500_000),
    log: (line) => console.error(`[bench] ${line}`),
  });
  console.log(
    `\nsmall-files: mixed input loaded in ${r.seconds.toFixed(1)} s over ${r.checkpoints} checkpoints (0.2 s apart), then compacted\n`,
  );
  console.log(formatSmallFiles(r.rows));
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      repeat: { type: 'string' },
      records: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const mode = values.quick ? 'quick' : 'full';
  const picked = (values.only ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const smallFiles = picked.length === 0 || picked.includes('small-files');
  const only = picked.filter((s) => s !== 'small-files');
  if (picked.length > 0 && only.length === 0) {
    await printSmallFiles(mode, positiveInt('--records', values.records));
    return 0;
  }
  const cacheDir = join(ROOT, '.cache', 'bench');
  const profileDir = join(cacheDir, 'profiles');
  if (values['cpu-prof']) await mkdir(profileDir, { recursive: true });
  const report = await runBench({
    scenarios: pickScenarios(only.join(',')),
    mode,
    repeat: positiveInt('--repeat', values.repeat) ?? (mode === 'quick' ? 1 : 3),
    records: positiveInt('--records', values.records),
    cacheDir,
    nodeArgs: values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    log: (line) => console.error(`[bench] ${line}`),
  });
  const m = report.machine;
  console.log(
    `\nWeir bench (${report.mode}, median of ${report.repeat}) on ${m.cpus} × ${m.cpuModel}, node ${m.node}, load ${m.loadAverage.join(' ')}\n`,
  );
  console.log(formatTable(report.scenarios));
  console.log(`\n${formatTargets(report.targets)}`);
  if (mode === 'full' && values.records === undefined) {
    for (const s of report.scenarios) {
      if (s.name !== 'floor' && s.figures && s.figures.seconds < 20) {
        console.log(
          `note: ${s.name} ran ${s.figures.seconds.toFixed(1)} s (< 20 s); its full size should grow`,
        );
      }
    }
  }
  if (smallFiles) await printSmallFiles(mode, positiveInt('--records', values.records));
  const path = await writeReport(join(ROOT, 'bench', 'results'), report);
  console.log(`\nwrote ${path.slice(ROOT.length + 1)} and bench/results/latest.json`);
  return report.scenarios.some((s) => s.status === 'failed') ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(`bench: ${(e as Error).message}`);
  process.exitCode = 2;
}
