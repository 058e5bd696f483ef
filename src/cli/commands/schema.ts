// `weir schema`: the JSON Schema of weir.yaml, for editor completion (`weir schema > weir.schema.json`).
import { projectJsonSchema } from '../../config/jsonschema.ts';
import { parseCommandArgs } from '../args.ts';

const HELP = `Usage: weir schema

Prints the JSON Schema of weir.yaml. Save it and point your editor at it, e.g.
  weir schema > weir.schema.json
and add \`# yaml-language-server: $schema=./weir.schema.json\` at the top of weir.yaml.`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('schema', HELP, args, {}, false);
  if (!parsed.ok) return parsed.code;
  console.log(JSON.stringify(projectJsonSchema(), null, 2));
  return 0;
}
