// How UDF sandbox processes (Python's and JS's) are started: under `setpriv --pdeathsig`, so that a
// sandbox dies with the thread that started it even while busy, and under `unshare` with new
// network and PID namespaces (and a user namespace when it can be made without root), so that code
// that escaped into the sandbox's own JS still has no network and sees no other process.
import { spawnSync } from 'node:child_process';

function runs(command: string, args: string[]): { ok: boolean; why: string } {
  const probe = spawnSync(command, [...args, 'true'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 10_000,
  });
  return { ok: probe.status === 0, why: probe.error?.message ?? probe.stderr.toString().trim() };
}

let probed: { prefix: string[]; namespaces: boolean; why: string } | undefined;

/**
 * The command prefix. `namespaces`: whether it isolates network and PIDs; when not, `why` says
 * what the machine answered.
 */
export function sandboxPrefix(): { prefix: string[]; namespaces: boolean; why: string } {
  if (probed) return probed;
  const deathSignal = ['setpriv', '--pdeathsig', 'KILL'];
  const base = runs(deathSignal[0] as string, deathSignal.slice(1)).ok ? deathSignal : [];
  let why = '';
  for (const flags of [
    ['--user', '--map-root-user', '--net', '--pid', '--fork', '--kill-child'],
    ['--net', '--pid', '--fork', '--kill-child'],
  ]) {
    const probe = runs('unshare', flags);
    if (probe.ok) {
      probed = { prefix: [...base, 'unshare', ...flags], namespaces: true, why: '' };
      return probed;
    }
    why = probe.why;
  }
  probed = { prefix: base, namespaces: false, why };
  return probed;
}

/** Nothing of the job's environment (credentials, say) reaches a sandbox but the time zone. */
export function sandboxEnv(): NodeJS.ProcessEnv {
  return process.env.TZ === undefined ? {} : { TZ: process.env.TZ };
}
