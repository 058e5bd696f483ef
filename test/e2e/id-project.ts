// The smallest project the e2e run tests share: files data/*.log of {"id":n} lines, one table t,
// loaded into db.t (Parquet unless told). Folders made here are removed after the test file.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';

export const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

export function idConfig(opts: { format?: string; version?: string } = {}): string {
  return `${opts.version ? `version: ${opts.version}\n` : ''}warehouse: ./warehouse
checkpoint: { interval_seconds: 0.2 }
sources:
  events:
    files: { path: "data/*.log" }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL }
sinks:
  t: { table: t, hive: { database: db, format: ${opts.format ?? 'parquet'} } }
`;
}

/** `{"id":from}` … `{"id":from+n-1}`, one per line. */
export const idLines = (from: number, n: number): string =>
  `${Array.from({ length: n }, (_, i) => `{"id":${from + i}}`).join('\n')}\n`;

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A fresh folder holding `files` (path → text), weir.yaml among them unless `config` is null. */
export async function idProject(
  files: Record<string, string>,
  config: string | null = idConfig(),
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-e2e-'));
  dirs.push(dir);
  await mkdir(join(dir, 'data'));
  if (config !== null) await writeFile(join(dir, 'weir.yaml'), config);
  for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text);
  return dir;
}

/** Rows of db.t as DuckDB reads them through the catalog. */
export async function idRows(dir: string): Promise<{ n: number; distinct: number; max: number }> {
  const conn = await openWarehouse(join(dir, 'warehouse'));
  try {
    const [r] = (
      await conn.runAndReadAll('SELECT count(*) AS n, count(DISTINCT id) AS d, max(id) AS m FROM db.t')
    ).getRowObjectsJson();
    return { n: Number(r!.n), distinct: Number(r!.d), max: Number(r!.m) };
  } finally {
    conn.closeSync();
  }
}

/** A follow-mode file project over data/*.log that drops even ids: the first version of the hot-update tests. */
export const followIdConfig = `warehouse: ./warehouse
checkpoint: { interval_seconds: 0.3 }
sources:
  events: { files: { path: "data/*.log", follow: true } }
tables:
  t:
    source: events
    parser: { json: {} }
    drop_when: "id % 2 = 0"
    schema: { id: BIGINT NOT NULL }
sinks:
  t: { table: t, hive: { database: db, format: parquet } }
`;
