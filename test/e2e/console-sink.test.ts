// The console sink: rows as JSON lines on standard output (the run's summary moves to stderr, so
// `weir run . | jq` works) or appended to a file, read back by DuckDB.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const N = 1000;

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('weir run with console sinks: JSON lines on stdout and in a file, the summary on stderr', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-console-'));
  dirs.push(dir);
  await writeFile(
    join(dir, 'weir.yaml'),
    `
sources:
  events:
    files: { path: input.log }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL, name: STRING, tags: ARRAY<STRING> }
sinks:
  out: { table: t, console: {} }
  errors: { table: t, when: "id % 2 = 0", console: { path: rows.jsonl } }
`,
  );
  const input = Array.from({ length: N }, (_, i) =>
    JSON.stringify({ id: i, name: `n${i}`, tags: [`t${i % 3}`] }),
  );
  await writeFile(join(dir, 'input.log'), `${input.join('\n')}\n`);
  const run = spawnSync(process.execPath, [CLI, 'run', dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, N, run.stdout.slice(0, 500));
  const first = JSON.parse(lines.find((l) => l.includes('"id":7,'))!);
  assert.deepEqual(first, { id: 7, name: 'n7', tags: ['t1'] });
  assert.match(run.stderr, /read 1,000 records/);
  // A sink may be named errors: it is not the error store.
  assert.match(run.stderr, /errors +console rows\.jsonl +1,000 +500 +500 +0\n/);

  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const [r] = (
    await db.runAndReadAll(
      `SELECT count(*) AS n, sum(id) AS s, count(*) FILTER (WHERE tags[1] = 't' || (id % 3)) AS ok FROM read_json('${join(dir, 'rows.jsonl')}')`,
    )
  ).getRowObjectsJson();
  assert.deepEqual([Number(r!.n), Number(r!.s), Number(r!.ok)], [N / 2, ((N / 2) * (N - 2)) / 2, N / 2]);
  db.closeSync();
});
