// API tokens of `weir serve`: each has a name and a role, and only its SHA-256 is stored (a token
// is 32 random bytes, so a slow hash adds nothing). Made by `weir token create` on the server's
// machine, which is what being an admin means there. The file is read again when it changes, so
// a new or revoked token counts without a restart.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/fs.ts';

export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Whether `role` may do what needs `needed` (viewer < editor < admin). */
export function allows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

const TOKENS_FORMAT = 1;

const tokenEntry = z.strictObject({
  id: z.string().regex(/^[a-z0-9]{8}$/),
  name: z.string().min(1),
  role: z.enum(ROLES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  created: z.string(),
});
const tokensFile = z.strictObject({ format: z.literal(TOKENS_FORMAT), tokens: z.array(tokenEntry) });

export type TokenEntry = z.infer<typeof tokenEntry>;

export interface Caller {
  name: string;
  role: Role;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The tokens file's entries; none when it does not exist. A file Weir cannot read exactly is refused by name. */
export async function readTokens(file: string): Promise<TokenEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON (truncated?); restore it, or remove it and create the tokens again`);
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== TOKENS_FORMAT) {
    throw new Error(`${file} has format ${JSON.stringify(format)}; this Weir reads format ${TOKENS_FORMAT}`);
  }
  const parsed = tokensFile.safeParse(json);
  if (!parsed.success)
    throw new Error(`${file} is not a Weir tokens file: ${parsed.error.issues[0]?.message}`);
  return parsed.data.tokens;
}

async function writeTokens(file: string, tokens: TokenEntry[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify({ format: TOKENS_FORMAT, tokens }, null, 2)}\n`);
}

/** Adds a token; returns it in clear (shown once, never stored) with its entry. */
export async function createToken(
  file: string,
  name: string,
  role: Role,
): Promise<{ token: string; entry: TokenEntry }> {
  const tokens = await readTokens(file);
  if (tokens.some((t) => t.name === name)) throw new Error(`a token named "${name}" exists; revoke it first`);
  const id = randomBytes(5).toString('hex').slice(0, 8);
  const token = `weir_${id}_${randomBytes(32).toString('base64url')}`;
  const entry: TokenEntry = { id, name, role, sha256: sha256(token), created: new Date().toISOString() };
  await writeTokens(file, [...tokens, entry]);
  return { token, entry };
}

/** Removes the token with this id or name; false when there is none. */
export async function revokeToken(file: string, idOrName: string): Promise<boolean> {
  const tokens = await readTokens(file);
  const kept = tokens.filter((t) => t.id !== idOrName && t.name !== idOrName);
  if (kept.length === tokens.length) return false;
  await writeTokens(file, kept);
  return true;
}

export interface TokenCheck {
  /** Whether any token is configured (the server then checks every write). */
  configured(): Promise<boolean>;
  /** Who sends this token, or null for an unknown one. */
  caller(token: string): Promise<Caller | null>;
}

/**
 * The tokens a server accepts: those in `file` (re-read when it changes) and, if set, one admin
 * token from the environment (WEIR_TOKEN, as before roles existed).
 */
export function tokenCheck(file: string | undefined, envToken?: string): TokenCheck {
  let cached: { version: string; tokens: TokenEntry[] } = { version: '', tokens: [] };
  const current = async (): Promise<TokenEntry[]> => {
    if (file === undefined) return [];
    const version = await stat(file).then(
      (s) => `${s.mtimeMs}:${s.size}:${s.ino}`,
      () => 'none',
    );
    if (version !== cached.version)
      cached = { version, tokens: version === 'none' ? [] : await readTokens(file) };
    return cached.tokens;
  };
  const same = (a: string, b: string) => timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
  return {
    async configured() {
      return envToken !== undefined || (await current()).length > 0;
    },
    async caller(token) {
      const hash = sha256(token);
      if (envToken !== undefined && same(hash, sha256(envToken)))
        return { name: 'WEIR_TOKEN', role: 'admin' };
      const entry = (await current()).find((t) => same(hash, t.sha256));
      return entry ? { name: entry.name, role: entry.role } : null;
    },
  };
}
