// `weir token create|list|revoke <dir>`: the API tokens `weir serve <dir>` accepts, with roles.
import { join } from 'node:path';
import type { Project } from '../../config/project.ts';
import { createToken, ROLES, type Role, readTokens, revokeToken } from '../../server/tokens.ts';
import { parseCommandArgs } from '../args.ts';
import { loadOrReport } from '../load.ts';

const HELP = `Usage: weir token create <dir> --name NAME --role viewer|editor|admin [--tokens FILE]
       weir token list <dir> [--tokens FILE]
       weir token revoke <dir> <id-or-name> [--tokens FILE]

The tokens weir serve <dir> accepts on writes (Authorization: Bearer <token>). Only a hash of each
token is stored, in <warehouse>/_server/tokens.json unless --tokens says otherwise; the token itself
is printed once, by create. The server reads the file again when it changes: no restart.
  viewer  schema lookups and compatibility checks (POST /subjects/<s>, POST /compatibility/...)
  editor  also registers schemas (POST /subjects/<s>/versions)
  admin   also deletes and changes compatibility levels (DELETE, PUT /config)
Reads (GET) need no token.

Example:
  weir token create examples/kafka --name ci --role editor`;

export function tokensFile(project: Project, given: string | undefined): string {
  return given ?? join(project.warehouse, '_server', 'tokens.json');
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('token', HELP, args, {
    name: { type: 'string' },
    role: { type: 'string' },
    tokens: { type: 'string' },
  });
  if (!parsed.ok) return parsed.code;
  const { values, positionals } = parsed;
  const [action, dir, target] = positionals;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    console.error(`weir token: say create, list or revoke\n\n${HELP}`);
    return 2;
  }
  const project = await loadOrReport(dir, 'token');
  if (!project) return 1;
  const file = tokensFile(project, values.tokens);
  try {
    if (action === 'create') {
      if (!values.name || !(ROLES as readonly string[]).includes(values.role ?? '')) {
        console.error(`weir token create: give --name NAME and --role ${ROLES.join('|')}\n\n${HELP}`);
        return 2;
      }
      const { token, entry } = await createToken(file, values.name, values.role as Role);
      console.error(
        `weir token: created ${entry.name} (${entry.role}, id ${entry.id}); it is shown only now:`,
      );
      console.log(token);
    } else if (action === 'list') {
      const tokens = await readTokens(file);
      if (tokens.length === 0) console.log(`no tokens in ${file}`);
      for (const t of tokens) console.log(`${t.id}  ${t.role.padEnd(6)}  ${t.name}  (created ${t.created})`);
    } else {
      if (!target) {
        console.error('weir token revoke: give the id or name of the token');
        return 2;
      }
      if (!(await revokeToken(file, target))) {
        console.error(`weir token revoke: no token "${target}" in ${file}`);
        return 1;
      }
      console.log(`revoked ${target}`);
    }
  } catch (e) {
    console.error(`weir token: ${(e as Error).message}`);
    return 1;
  }
  return 0;
}
