// Summarises a V8 CPU profile (from `npm run bench -- --cpu-prof` or `node --cpu-prof`): the top
// functions by self time, and self time per file.
//   node bench/profile-top.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  file: string;
  ms: number;
  share: number;
}

function fileOf(url: string): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return path.startsWith('/') ? relative(process.cwd(), path) : path;
}

/** Self time per function and per file, largest first. */
export function selfTimes(profile: Profile): { functions: SelfTime[]; files: SelfTime[]; totalMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
  });
  const functions = new Map<string, SelfTime>();
  const files = new Map<string, SelfTime>();
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const file = fileOf(url);
    const name = functionName || '(anonymous)';
    const key = `${name}@${file}:${lineNumber + 1}`;
    const f = functions.get(key) ?? { name, file: url ? `${file}:${lineNumber + 1}` : file, ms: 0, share: 0 };
    f.ms += ms;
    functions.set(key, f);
    const g = files.get(file) ?? { name: file, file, ms: 0, share: 0 };
    g.ms += ms;
    files.set(file, g);
  }
  const done = (m: Map<string, SelfTime>) =>
    [...m.values()].map((s) => ({ ...s, share: s.ms / total })).sort((a, b) => b.ms - a.ms);
  return { functions: done(functions), files: done(files), totalMs: total };
}

if (import.meta.main) {
  const [path, topArg] = process.argv.slice(2);
  if (!path) {
    console.error('usage: node bench/profile-top.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  const top = Number(topArg ?? 25);
  const { functions, files, totalMs } = selfTimes(JSON.parse(readFileSync(path, 'utf8')) as Profile);
  const pct = (s: number) => `${(s * 100).toFixed(1).padStart(5)}%`;
  console.log(`total sampled: ${(totalMs / 1000).toFixed(2)} s\n\nself time by function:`);
  for (const f of functions.slice(0, top)) {
    console.log(`${pct(f.share)} ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}  ${f.file}`);
  }
  console.log('\nself time by file:');
  for (const f of files.slice(0, top))
    console.log(`${pct(f.share)} ${f.ms.toFixed(0).padStart(7)} ms  ${f.file}`);
}
