// The checkpoint protocol of runWorker (job.ts) against fake sink writers (the contract in
// src/sinks/contract.ts), in the style of Flink's sink tests: the order of the two phases, per-row
// refusals, and failures between them. Real files source, real manifests; no warehouse.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadProjectFromText } from '../config/load.ts';
import type { Project } from '../config/project.ts';
import { StageError } from '../core/errors.ts';
import type { Row } from '../core/record.ts';
import type { Committables, PartitionRef, SinkWriter } from '../sinks/contract.ts';
import { latestManifest } from './checkpoint.ts';
import { runWorker } from './job.ts';

const N = 1000;
/** The fake error store's name in the log. */
const ERRORS = 'errors';
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function project(): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-protocol-'));
  dirs.push(dir);
  await writeFile(
    join(dir, 'input.log'),
    `${Array.from({ length: N }, (_, i) => `{"id":${i}}`).join('\n')}\n`,
  );
  const loaded = await loadProjectFromText(
    `
checkpoint: { interval_seconds: 0.001 }
sources:
  events:
    files: { path: input.log }
tables:
  t:
    source: events
    parser: { json: {} }
    schema: { id: BIGINT NOT NULL }
sinks:
  a: { table: t, console: {} }
`,
    dir,
  );
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
  return loaded.project;
}

interface Fake {
  log: string[];
  errorRows: Row[];
  writers: SinkWriter[];
  failCommit?: boolean;
}

/** A writer that refuses ids ending in 7, and commits one pretend file per checkpoint. */
function fakeWriters(fake: Fake, root: () => string) {
  let files = 0;
  return async (_sinks: Project['sinks'], _ctx: unknown, opts: { errors: boolean }) => {
    const writer = (name: string): SinkWriter => ({
      sinks: name === ERRORS ? [] : [name],
      async write(_sink, rows) {
        fake.log.push(`${name}:write`);
        if (name === ERRORS) fake.errorRows.push(...rows);
        return rows.flatMap((row, index) =>
          name !== ERRORS && Number(row.id) % 10 === 7
            ? [{ index, error: new StageError('SINK', `id ${row.id} refused`) }]
            : [],
        );
      },
      async prepareCommit({ mode }): Promise<Committables> {
        if (mode === 'batch' || name === ERRORS) return { files: [], partitions: [] };
        const k = files++;
        const partitions: PartitionRef[] = [
          { database: 'd', table: 't', values: { k: `${k}` }, location: `/p/${k}` },
        ];
        return {
          files: [{ inProgress: `/w/.f${k}`, final: `/w/f${k}`, partition: {}, rows: 1, bytes: 1 }],
          partitions,
        };
      },
      async commit(c) {
        // The manifest naming these files is durable before they are committed.
        const m = await latestManifest(root(), 'events', 0);
        for (const f of c.files)
          assert.ok(
            m?.pending.some((p) => p.final === f.final),
            `${f.final} not in the manifest`,
          );
        fake.log.push(`${name}:commit:${c.files.length}`);
        if (fake.failCommit && c.files.length > 0) throw new Error('commit failed on purpose');
      },
      async abort() {
        fake.log.push(`${name}:abort`);
      },
      async close() {
        fake.log.push(`${name}:close`);
      },
    });
    const sinks = [writer('a')];
    const errorStore = opts.errors ? writer(ERRORS) : undefined;
    fake.writers = errorStore ? [...sinks, errorStore] : sinks;
    return errorStore ? { sinks, errorStore } : { sinks };
  };
}

function options(p: Project, checkpointDir: string, fake: Fake, registered: PartitionRef[][]) {
  return {
    project: p,
    source: 'events',
    worker: 0,
    workers: 1,
    runId: 'r1',
    follow: false,
    batchSize: 100,
    checkpointDir,
    positions: new Map(),
    catalog: {
      async addPartitions(partitions: PartitionRef[]) {
        fake.log.push(`catalog:${partitions.length}`);
        registered.push(partitions);
      },
    },
    sinkWriters: fakeWriters(fake, () => checkpointDir) as never,
  };
}

test('commit follows the manifest that names its files; the catalog follows the commits; refused rows are SINK errors', async () => {
  const p = await project();
  const root = join(p.dir, '_weir');
  const fake: Fake = { log: [], errorRows: [], writers: [] };
  const registered: PartitionRef[][] = [];
  const counters = await runWorker(options(p, root, fake, registered));

  const refused = N / 10;
  assert.equal(counters.tables.t?.recordsOut, N);
  assert.equal(counters.sinks.a?.recordsOut, N - refused);
  assert.equal(counters.sinks.a?.recordsErrored, refused);
  assert.equal(fake.errorRows.length, refused);
  assert.ok(fake.errorRows.every((r) => r.code === 'SINK' && /refused/.test(String(r.message))));
  // Every checkpoint: the writers' commits, then one catalog call with the partitions they returned.
  const commits = fake.log.filter((l) => l.startsWith('a:commit:1')).length;
  assert.ok(commits >= 1);
  assert.equal(registered.length, commits);
  const last = fake.log.lastIndexOf('a:commit:1');
  assert.equal(fake.log[last + 1], `${ERRORS}:commit:0`);
  assert.equal(fake.log[last + 2], 'catalog:1');
  assert.deepEqual(fake.log.slice(-2), ['a:close', `${ERRORS}:close`]);
  assert.ok(!fake.log.includes('a:abort'));
  const m = await latestManifest(root, 'events', 0);
  assert.equal(m?.counters.sinks.a?.recordsErrored, refused);
});

test('a commit that fails stops the worker: its writers are aborted and closed, the manifest stays for recovery', async () => {
  const p = await project();
  const root = join(p.dir, '_weir');
  const fake: Fake = { log: [], errorRows: [], writers: [], failCommit: true };
  await assert.rejects(runWorker(options(p, root, fake, [])), /commit failed on purpose/);
  assert.ok(fake.log.includes('a:abort') && fake.log.includes(`${ERRORS}:abort`));
  assert.deepEqual(fake.log.slice(-2), ['a:close', `${ERRORS}:close`]);
  assert.ok(!fake.log.some((l) => l.startsWith('catalog:')), 'nothing registered past the failed commit');
  // Recovery (src/sinks/recovery.ts) finds the files to commit in the last manifest.
  const m = await latestManifest(root, 'events', 0);
  assert.equal(m?.pending.length, 1);
  assert.equal(m?.partitions.length, 1);
});
