// Hive-layout paths: table locations and partition directories that can never escape the table.
import { join, resolve, sep } from 'node:path';

export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Hive's FileUtils.charToEscape: \u0001-\u001F " # % ' * / : = ? \ \u007F { [ ] ^.
// \u0000 is added: Hive never escapes it, but no file system accepts it in a name.
const ESCAPED = new Set<number>();
for (let c = 0x00; c <= 0x1f; c++) ESCAPED.add(c);
for (const ch of '"#%\'*/:=?\\\u007f{[]^') ESCAPED.add(ch.charCodeAt(0));

/** Hive's FileUtils.escapePathName: escaped characters become % + two upper-case hex digits. */
export function escapePartitionValue(v: string): string {
  if (v === null || v === undefined || v === '') return HIVE_DEFAULT_PARTITION;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    out += ESCAPED.has(c) ? `%${c.toString(16).toUpperCase().padStart(2, '0')}` : v[i];
  }
  return out;
}

/** Inverse of escapePartitionValue (Hive's FileUtils.unescapePathName). */
export function unescapePartitionValue(v: string): string | null {
  if (v === HIVE_DEFAULT_PARTITION) return null;
  return v.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

/** Longest file name most file systems accept, in bytes. */
const MAX_NAME_BYTES = 255;

/** `dt=2026-11-25/server=7`; throws a plain error when a segment is too long for a file name. */
export function partitionDir(keys: string[], values: (string | null)[]): string {
  if (keys.length !== values.length) {
    throw new Error(`partition has ${keys.length} keys but ${values.length} values`);
  }
  return keys
    .map((k, i) => {
      const segment = `${escapePartitionValue(k)}=${escapePartitionValue(values[i] ?? '')}`;
      if (Buffer.byteLength(segment) > MAX_NAME_BYTES) {
        throw new Error(
          `partition value of "${k}" is too long for a directory name (${Buffer.byteLength(segment)} bytes after escaping, limit ${MAX_NAME_BYTES})`,
        );
      }
      return segment;
    })
    .join('/');
}

function checkIdentifier(what: string, name: string): void {
  if (!IDENTIFIER.test(name)) {
    throw new Error(
      `${what} name "${name}" is not allowed: use letters, digits and _ (not starting with a digit)`,
    );
  }
}

/** `<warehouse>/<database>.db/<table>`; database and table must be plain identifiers. */
export function tableLocation(warehouse: string, database: string, table: string): string {
  checkIdentifier('database', database);
  checkIdentifier('table', table);
  return join(resolve(warehouse), `${database}.db`, table);
}

/** Joins `relative` under `base` and refuses any result outside `base`. */
export function within(base: string, relative: string): string {
  const root = resolve(base);
  const full = resolve(root, relative);
  if (full !== root && !full.startsWith(root + sep)) {
    throw new Error(`path "${relative}" would leave the table location ${root}`);
  }
  return full;
}
