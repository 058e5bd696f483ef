// Hot update inside one worker (job.ts switchTo): the worker takes a newer version in place, at a
// checkpoint, with the same source reader; each record is processed by exactly one version. A
// version whose writers cannot be opened is refused, the worker runs on and its manifests say so.
// Real files source and manifests; the writers are fakes that note which version wrote what.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadProjectFromText } from '../config/load.ts';
import type { Project } from '../config/project.ts';
import type { SinkWriter } from '../sinks/contract.ts';
import { latestManifest } from './checkpoint.ts';
import { runWorker } from './job.ts';
import { planJobs } from './plan.ts';

const N = 1000;
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const config = (dropWhen: string) => `
checkpoint: { interval_seconds: 0.001 }
sources:
  events:
    files: { path: input.log }
tables:
  t:
    source: events
    parser: { json: {} }
    drop_when: "${dropWhen}"
    schema: { id: BIGINT NOT NULL }
sinks:
  a: { table: t, console: {} }
`;

async function projects(): Promise<[Project, Project]> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-switch-'));
  dirs.push(dir);
  await writeFile(
    join(dir, 'input.log'),
    `${Array.from({ length: N }, (_, i) => `{"id":${i}}`).join('\n')}\n`,
  );
  const load = async (text: string, version: string) => {
    const loaded = await loadProjectFromText(text, dir, { version });
    assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
    return loaded.project;
  };
  return [await load(config('id % 2 = 0'), 'v1'), await load(config('id % 3 = 0'), 'v2')];
}

interface Opened {
  version: string;
  filePrefix: string;
  ids: number[];
  closed: boolean;
}

/** Writers that keep the ids they were given, per opening; `refuse` fails the opening for a version. */
function fakeWriters(opened: Opened[], refuse?: string) {
  return async (_sinks: unknown, ctx: { project: Project; filePrefix: string }) => {
    if (ctx.project.version === refuse) throw new Error(`the sink of ${refuse} cannot be opened`);
    const o: Opened = { version: ctx.project.version, filePrefix: ctx.filePrefix, ids: [], closed: false };
    opened.push(o);
    const writer: SinkWriter = {
      sinks: ['a'],
      async write(_sink, rows) {
        assert.ok(!o.closed, 'written after close');
        o.ids.push(...rows.map((r) => Number(r.id)));
        return [];
      },
      prepareCommit: async () => ({ files: [], partitions: [] }),
      commit: async () => {},
      abort: async () => {},
      close: async () => {
        o.closed = true;
      },
    };
    return { sinks: [writer] };
  };
}

function run(v1: Project, v2: Project, opened: Opened[], refuse?: string) {
  const root = join(v1.dir, '_weir');
  let offered = false;
  let readAtOffer = 0;
  let read = 0;
  const logged: string[] = [];
  const done = runWorker({
    project: v1,
    source: 'events',
    worker: 0,
    workers: 1,
    runId: 'r1',
    follow: false,
    batchSize: 100,
    checkpointDir: root,
    positions: new Map(),
    catalog: { addPartitions: async () => {} },
    sinkWriters: fakeWriters(opened, refuse) as never,
    log: (line) => logged.push(line),
    onProgress: (p) => {
      read = p.recordsRead;
    },
    nextVersion: () => {
      if (offered || read < 300) return undefined;
      offered = true;
      readAtOffer = read;
      return { project: v2, job: planJobs(v2)[0]! };
    },
  });
  return { done, root, logged, readAtOffer: () => readAtOffer };
}

test('a worker switches in place at a checkpoint: one read of the source, each record by exactly one version', async () => {
  const [v1, v2] = await projects();
  const opened: Opened[] = [];
  const { done, root, logged, readAtOffer } = run(v1, v2, opened);
  const counters = await done;

  assert.equal(counters.recordsRead, N, 'the source was read once, from start to end');
  assert.deepEqual(
    opened.map((o) => [o.version, o.closed]),
    [
      ['v1', true],
      ['v2', true],
    ],
  );
  assert.notEqual(opened[0]!.filePrefix, opened[1]!.filePrefix, 'the new writers take new file names');
  // Every batch up to the switch (at a batch boundary, after the offer) went through v1, every one after through v2.
  const cut = Math.ceil((opened[0]!.ids.at(-1)! + 1) / 100) * 100;
  assert.ok(cut >= readAtOffer() && cut >= 300 && cut < N, `switched at ${cut}`);
  const ids = (from: number, to: number, keep: (id: number) => boolean) =>
    Array.from({ length: to - from }, (_, i) => from + i).filter(keep);
  assert.deepEqual(
    opened[0]!.ids,
    ids(0, cut, (id) => id % 2 !== 0),
  );
  assert.deepEqual(
    opened[1]!.ids,
    ids(cut, N, (id) => id % 3 !== 0),
  );
  assert.equal(counters.tables.t?.recordsIn, N);

  const m = await latestManifest(root, 'events', 0);
  assert.equal(m?.configVersion, 'v2');
  assert.ok(m?.versionSince && m.versionSince <= m.time, 'the manifest says since when v2 runs');
  assert.equal(m?.refused, undefined);
  const from = Object.values(m?.versionFrom ?? {}).reduce((n, p) => n + p.line, 0);
  assert.equal(from, cut, 'the manifest records the switch point: the lines read before v2 began');
  assert.ok(
    logged.some((l) => /checkpointed on version v1; going on with version v2/.test(l)),
    logged.join('\n'),
  );
});

test('a version whose writers cannot open is refused: the worker runs on with the old one, and its manifest says why', async () => {
  const [v1, v2] = await projects();
  const opened: Opened[] = [];
  const { done, root, logged } = run(v1, v2, opened, 'v2');
  const counters = await done;

  assert.equal(counters.recordsRead, N);
  // The old version's writers were closed for the switch and opened again under new names.
  assert.deepEqual(
    opened.map((o) => o.version),
    ['v1', 'v1'],
  );
  assert.notEqual(opened[0]!.filePrefix, opened[1]!.filePrefix);
  const all = [...opened[0]!.ids, ...opened[1]!.ids];
  assert.deepEqual(
    all,
    Array.from({ length: N }, (_, i) => i).filter((id) => id % 2 !== 0),
    'every record by v1, none lost or doubled',
  );
  const m = await latestManifest(root, 'events', 0);
  assert.equal(m?.configVersion, 'v1');
  assert.equal(m?.refused?.version, 'v2');
  assert.match(m?.refused?.message ?? '', /the sink of v2 cannot be opened/);
  assert.ok(logged.some((l) => /version v2 refused \(.*cannot be opened\); running on version v1/.test(l)));
});
