// `weir versions --from <url> --project NAME`: a project's versions in the config center.

import { parseCommandArgs } from '../args.ts';
import { CenterError, centerRequest, projectUrl } from '../center-client.ts';

const HELP = `Usage: weir versions --from <url> --project NAME [--diff FROM[..TO]]

Lists the versions of a project in the config center of weir serve at <url>: number, time,
author and message, newest last. With --diff, prints what changed between two versions
(TO defaults to the latest) as a unified diff.

Example:
  weir versions --from http://127.0.0.1:8081 --project quickstart
  weir versions --from http://127.0.0.1:8081 --project quickstart --diff 3..4`;

interface Meta {
  version: number;
  created: string;
  author: string;
  message: string;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'versions',
    HELP,
    args,
    { from: { type: 'string' }, project: { type: 'string' }, diff: { type: 'string' } },
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
    for (const v of (await centerRequest(`${url}/versions`)) as Meta[]) {
      console.log(`${String(v.version).padStart(4)}  ${v.created}  ${v.author}  ${v.message}`);
    }
    return 0;
  } catch (e) {
    if (!(e instanceof CenterError)) throw e;
    console.error(`weir versions: ${values.project}: ${e.message}`);
    return 1;
  }
}
