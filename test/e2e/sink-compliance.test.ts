// The sink compliance suite (test/sink-compliance.ts) for the kinds a file job can run without
// servers: Hive tables in each format and the console sink's file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Case, compliance, warehouseIds } from '../sink-compliance.ts';

// A partition value longer than a folder name may be: the Hive writer refuses that row.
const TOO_LONG = 'x'.repeat(300);

const CASES: Case[] = ['parquet', 'json', 'text'].map((format) => ({
  name: `hive ${format}`,
  sink: `{ table: t, hive: { database: db, format: ${format}, partitioned_by: [zone] } }`,
  refusedZone: TOO_LONG,
  read: (dir) => warehouseIds(dir, 'db.out'),
}));

CASES.push({
  name: 'console file',
  sink: '{ table: t, console: { path: rows.jsonl } }',
  atLeastOnce: true,
  async read(dir) {
    const text = await readFile(join(dir, 'rows.jsonl'), 'utf8');
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l).id as number);
  },
});

for (const c of CASES) {
  test(`sink compliance: ${c.name} — killed and restarted, every row delivered, refused rows are SINK errors, counters balance`, () =>
    compliance(c));
}
