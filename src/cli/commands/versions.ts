// `weir versions --from <url> --project NAME`: a project's versions in the config center.

import { parseCommandArgs } from '../args.ts';
import { CenterError, centerRequest, projectUrl } from '../center-client.ts';
import { table } from '../summary.ts';

const HELP = `Usage: weir versions --from <url> --project NAME [--diff FROM[..TO] | --workers]

Lists the versions of a project in the config center of weir serve at <url>: number, time,
author and message, newest last. With --diff, prints what changed between two versions
(TO defaults to the latest) as a unified diff. With --workers, shows what every worker of the
\`weir run --from\` processes following the project runs, as they last reported it (every 5 s),
and the versions they refused.

Example:
  weir versions --from http://127.0.0.1:8081 --project quickstart
  weir versions --from http://127.0.0.1:8081 --project quickstart --diff 3..4
  weir versions --from http://127.0.0.1:8081 --project quickstart --workers`;

interface Report {
  id: string;
  host: string;
  dir: string;
  following: number;
  received: string;
  workers: {
    job: string;
    worker: number;
    configVersion: string;
    version: number | null;
    since: string | null;
    lastCheckpoint: string;
    refused?: { version: string; versionNumber: number | null; message: string; time: string };
  }[];
}

function printWorkers(reports: Report[]): void {
  const rows = [['follower', 'job', 'worker', 'version', 'since', 'last checkpoint', 'reported']];
  const refusals: string[] = [];
  for (const r of reports) {
    const where = `${r.host}:${r.dir}`;
    if (r.workers.length === 0) rows.push([where, '-', '-', `${r.following} (written)`, '', '', r.received]);
    for (const w of r.workers) {
      rows.push([
        where,
        w.job,
        String(w.worker),
        w.version === null ? w.configVersion : String(w.version),
        w.since ?? '',
        w.lastCheckpoint,
        r.received,
      ]);
      if (w.refused)
        refusals.push(
          `${where} job ${w.job}, worker ${w.worker} refused version ${w.refused.versionNumber ?? w.refused.version} at ${w.refused.time}: ${w.refused.message}`,
        );
    }
  }
  console.log(table(rows));
  for (const line of refusals) console.log(line);
}

interface Meta {
  version: number;
  created: string;
  author: string;
  message: string;
  incompatible?: { path: string; message: string }[];
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'versions',
    HELP,
    args,
    {
      from: { type: 'string' },
      project: { type: 'string' },
      diff: { type: 'string' },
      workers: { type: 'boolean', default: false },
    },
    false,
  );
  if (!parsed.ok) return parsed.code;
  const { values } = parsed;
  if (!values.from || !values.project) {
    console.error(`weir versions: give --from <url> and --project NAME\n\n${HELP}`);
    return 2;
  }
  const url = projectUrl(values.from, values.project);
  try {
    if (values.diff !== undefined) {
      const [from, to] = values.diff.split('..');
      process.stdout.write(String(await centerRequest(`${url}/diff?from=${from}&to=${to || 'latest'}`)));
      return 0;
    }
    if (values.workers) {
      printWorkers((await centerRequest(`${url}/workers`)) as Report[]);
      return 0;
    }
    for (const v of (await centerRequest(`${url}/versions`)) as Meta[]) {
      console.log(`${String(v.version).padStart(4)}  ${v.created}  ${v.author}  ${v.message}`);
      for (const p of v.incompatible ?? []) console.log(`        incompatible: ${p.path}: ${p.message}`);
    }
    return 0;
  } catch (e) {
    if (!(e instanceof CenterError)) throw e;
    console.error(`weir versions: ${values.project}: ${e.message}`);
    return 1;
  }
}
