// `weir publish <dir> --to <url>`: a new version of the project in the config center.
import { basename } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { CenterError, centerRequest, projectFiles, projectUrl } from '../center-client.ts';
import { loadOrReport } from '../load.ts';

const HELP = `Usage: weir publish <dir> --to <url> [--project NAME] [-m MESSAGE]

Publishes weir.yaml and the project's code files (.py, .js, .mjs, .ts, .mts; not node_modules,
the warehouse or hidden folders) as the next version of the project in the config center of
weir serve at <url>. The center builds the version as weir validate does and refuses it, with
every problem and its config path, when it cannot work. Needs an editor token in WEIR_TOKEN once
the server has tokens.

  --to URL        the server, e.g. http://127.0.0.1:8081
  --project NAME  the project's name in the center (default: the folder's name)
  -m MESSAGE      what changed, shown by weir versions
  --allow-incompatible
                  publish even when the version changes what its sinks already hold (a
                  warehouse column removed or of another type, an added NOT NULL column,
                  another format or partitioning; an Avro schema its registry refuses);
                  the changes are recorded with the version

Example:
  weir publish examples/quickstart --to http://127.0.0.1:8081 -m "add the vip column"`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('publish', HELP, args, {
    to: { type: 'string' },
    project: { type: 'string' },
    message: { type: 'string', short: 'm' },
    'allow-incompatible': { type: 'boolean', default: false },
  });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  if (!values.to) {
    console.error(`weir publish: give --to <url> (the weir serve to publish to)\n\n${HELP}`);
    return 2;
  }
  const project = await loadOrReport(positionals[0], 'publish');
  if (!project) return 1;
  const name = values.project ?? basename(project.dir);
  try {
    const files = await projectFiles(project.dir, project.warehouse);
    const v = (await centerRequest(`${projectUrl(values.to, name)}/versions`, {
      method: 'POST',
      body: {
        files,
        message: values.message ?? '',
        ...(values['allow-incompatible'] ? { allowIncompatible: true } : {}),
      },
    })) as { version: number; sha256: string; incompatible?: { path: string; message: string }[] };
    console.log(
      `published ${name} version ${v.version} (${Object.keys(files).length} files, ${v.sha256.slice(0, 12)})`,
    );
    for (const p of v.incompatible ?? [])
      console.log(`  accepted incompatible change: ${p.path}: ${p.message}`);
    return 0;
  } catch (e) {
    if (!(e instanceof CenterError)) throw e;
    console.error(`weir publish: ${name}: ${e.message}`);
    return 1;
  }
}
