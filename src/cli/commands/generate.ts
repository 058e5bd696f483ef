import { writeGenerated } from '../../gen/write.ts';
import { parseCommandArgs } from '../args.ts';

const HELP = `Usage: weir generate --out FILE [--count N] [--seed S] [--kinds K] [--malformed SHARE] [--drift SHARE]

Writes deterministic sample game logs: operation logs ([time][Kind],{json}), nginx access lines
and program logs. The same seed always gives the same file. FILE ending in .gz is gzipped.

  --count N          lines to write (default 10000)
  --seed S           random seed (default 42)
  --kinds K          distinct operation-log kinds (default 5)
  --malformed SHARE  share of malformed records, 0..1 (default 0.01)
  --drift SHARE      share of drifting records: missing, extra or retyped fields (default 0.02)`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'generate',
    HELP,
    args,
    {
      out: { type: 'string' },
      count: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '42' },
      kinds: { type: 'string', default: '5' },
      malformed: { type: 'string', default: '0.01' },
      drift: { type: 'string', default: '0.02' },
    },
    false,
  );
  if (!parsed.ok) return parsed.code;
  const { values } = parsed;
  if (!values.out) {
    console.error(`weir generate: --out FILE is required\n\n${HELP}`);
    return 2;
  }
  const numbers = {
    count: Number(values.count),
    seed: Number(values.seed),
    kinds: Number(values.kinds),
    malformed: Number(values.malformed),
    drift: Number(values.drift),
  };
  for (const [k, v] of Object.entries(numbers)) {
    if (!Number.isFinite(v) || v < 0) {
      console.error(
        `weir generate: --${k} must be a non-negative number, got "${values[k as keyof typeof values]}"`,
      );
      return 2;
    }
  }
  const bytes = await writeGenerated(values.out, numbers.count, numbers);
  console.log(`wrote ${numbers.count} lines (${(bytes / 1e6).toFixed(1)} MB) to ${values.out}`);
  return 0;
}
