// `weir schema`: the JSON Schema of weir.yaml, for editor completion (`weir schema > weir.schema.json`).
import { parseArgs } from 'node:util';
import { projectJsonSchema } from '../../config/jsonschema.ts';

const HELP = `Usage: weir schema

Prints the JSON Schema of weir.yaml. Save it and point your editor at it, e.g.
  weir schema > weir.schema.json
and add \`# yaml-language-server: $schema=./weir.schema.json\` at the top of weir.yaml.`;

export async function run(args: string[]): Promise<number> {
  try {
    const { values } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
  } catch (err) {
    console.error(`weir schema: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  console.log(JSON.stringify(projectJsonSchema(), null, 2));
  return 0;
}
