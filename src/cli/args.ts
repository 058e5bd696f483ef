// Argument parsing shared by every command: `--help` prints the command's help (exit 0), a bad
// option prints the problem and the help (exit 2). A command that takes no positional arguments
// passes allowPositionals = false, so a stray argument is a bad option too.
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{
    args: string[];
    options: O & { help: { type: 'boolean'; short: 'h' } };
    allowPositionals: true;
  }>
>;

export type CommandArgs<O extends ParseArgsOptionsConfig> =
  | ({ ok: true } & Pick<Parsed<O>, 'values' | 'positionals'>)
  | { ok: false; code: number };

export function parseCommandArgs<O extends ParseArgsOptionsConfig>(
  command: string,
  help: string,
  args: string[],
  options: O,
  allowPositionals = true,
): CommandArgs<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } as const },
      allowPositionals,
    }) as Parsed<O>;
  } catch (err) {
    console.error(`weir ${command}: ${(err as Error).message}\n\n${help}`);
    return { ok: false, code: 2 };
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(help);
    return { ok: false, code: 0 };
  }
  return { ok: true, values: parsed.values, positionals: parsed.positionals };
}
