// `weir rollback --from <url> --project NAME --to N`: publishes an old version again.

import { parseCommandArgs } from '../args.ts';
import { CenterError, centerRequest, projectUrl } from '../center-client.ts';

const HELP = `Usage: weir rollback --from <url> --project NAME --to N [-m MESSAGE]

Publishes version N's files again as the project's next version in the config center of weir
serve at <url> (versions are never changed or removed, so the history shows the rollback).
Needs an editor token in WEIR_TOKEN once the server has tokens.

Example:
  weir rollback --from http://127.0.0.1:8081 --project quickstart --to 3 -m "the vip filter dropped too much"`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'rollback',
    HELP,
    args,
    {
      from: { type: 'string' },
      project: { type: 'string' },
      to: { type: 'string' },
      message: { type: 'string', short: 'm' },
    },
    false,
  );
  if (!parsed.ok) return parsed.code;
  const { values } = parsed;
  const to = Number(values.to);
  if (!values.from || !values.project || !Number.isInteger(to) || to < 1) {
    console.error(`weir rollback: give --from <url>, --project NAME and --to <version number>\n\n${HELP}`);
    return 2;
  }
  try {
    const v = (await centerRequest(`${projectUrl(values.from, values.project)}/rollback`, {
      method: 'POST',
      body: { to, ...(values.message ? { message: values.message } : {}) },
    })) as { version: number };
    console.log(`${values.project}: version ${v.version} has the files of version ${to}`);
    return 0;
  } catch (e) {
    if (!(e instanceof CenterError)) throw e;
    console.error(`weir rollback: ${values.project}: ${e.message}`);
    return 1;
  }
}
