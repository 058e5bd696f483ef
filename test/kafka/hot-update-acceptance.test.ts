// Issue 16's acceptance run, as users run it: `weir serve` holds the project, `weir run --from`
// follows it with a follow-mode file job and a Kafka job while a generator appends to both
// sources. Five versions are published during the run (an added column, a filter change, a table
// added with its sink, a changed Python UDF; a broken one is refused), then one is rolled back.
// The process never restarts (one pid, the Kafka worker keeps its group generation), and every
// table holds exactly what a truth computed from the input and the switch points recorded in the
// manifests says: each record processed by exactly one version.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { versionLabelOf } from '../../src/config/project-files.ts';
import { createTopic } from '../../src/connectors/kafka/admin.ts';
import { createKafkaSink } from '../../src/connectors/kafka/producer.ts';
import { openWarehouse } from '../../src/connectors/warehouse/sql.ts';
import { latestManifest, type Manifest } from '../../src/runtime/checkpoint.ts';
import { CLI } from '../e2e/id-project.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { uniqueName } from './helpers.ts';

let broker: TestBroker;
before(async () => {
  broker = await ensureBroker();
});
after(() => broker?.stop());

const KAFKA_WORKER = 7;

/** What each version does, for the truth: which ids a table keeps and the columns it fills. */
interface Behaviour {
  dropEvery: number;
  note: boolean;
  k5: boolean;
  tag: string;
}
const BEHAVIOURS: Behaviour[] = [
  { dropEvery: 2, note: false, k5: false, tag: 'a' }, // 1
  { dropEvery: 2, note: true, k5: false, tag: 'a' }, // 2: a column added
  { dropEvery: 3, note: true, k5: false, tag: 'a' }, // 3: another filter
  { dropEvery: 3, note: true, k5: true, tag: 'a' }, // 4: a table and its sink added
  { dropEvery: 3, note: true, k5: true, tag: 'b' }, // 5: the Python UDF changed
  { dropEvery: 3, note: true, k5: true, tag: 'a' }, // 6: rolled back to 4
];

function yaml(b: Behaviour, brokers: string[], topic: string, group: string): string {
  const schema = (cols: string) => `{ id: BIGINT NOT NULL${cols}${b.note ? ', note: STRING' : ''} }`;
  return `warehouse: ./warehouse
checkpoint: { interval_seconds: 0.5 }
sources:
  files: { files: { path: "data/*.log", follow: true } }
  game:
    kafka: { brokers: [${brokers.join(',')}], topic: ${topic}, group: ${group} }
tables:
  f:
    source: files
    parser: { json: {} }
    drop_when: "id % ${b.dropEvery} = 0"
    schema: ${schema('')}
  k:
    source: game
    parser: { json: {} }
    drop_when: "id % ${b.dropEvery} = 0"
    extend: [{ udf: udf/tag.py#tag }]
    schema: ${schema(', tag: STRING')}
${
  b.k5
    ? `  k5:
    source: game
    parser: { json: {} }
    drop_when: "id % 5 != 0"
    schema: { id: BIGINT NOT NULL }
`
    : ''
}sinks:
  f: { table: f, hive: { database: db, format: parquet } }
  k: { table: k, hive: { database: db, format: parquet } }
${b.k5 ? '  k5: { table: k5, hive: { database: db, format: parquet } }\n' : ''}`;
}

const udf = (tag: string) => `def tag(r):\n    r["tag"] = "${tag}"\n    return r\n`;

async function until(what: string, ok: () => Promise<boolean> | boolean, output: () => string, ms = 60_000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await ok()) return;
  assert.fail(`timed out waiting for ${what}:\n${output()}`);
}

test('5 versions and a rollback during a run with a generator: no restart, each record by exactly one version', async () => {
  const { brokers } = broker;
  const topic = uniqueName('accept-in');
  await createTopic(brokers, topic, 1);
  const group = uniqueName('accept-g');
  const root = await mkdtemp(join(tmpdir(), 'weir-accept-'));
  const host = join(root, 'host');
  const work = join(root, 'work');
  await mkdir(join(host, 'udf'), { recursive: true });
  await mkdir(join(work, 'data'), { recursive: true });
  const files = (b: Behaviour) => ({ 'weir.yaml': yaml(b, brokers, topic, group), 'udf/tag.py': udf(b.tag) });
  await writeFile(join(host, 'weir.yaml'), files(BEHAVIOURS[0]!)['weir.yaml']);
  await writeFile(join(host, 'udf', 'tag.py'), udf('a'));

  const procs: ChildProcess[] = [];
  let serverOut = '';
  let runErr = '';
  const output = () => `--- weir run:\n${runErr}\n--- weir serve:\n${serverOut}`;
  const stopGenerator = new AbortController();
  const produced = { lines: 0, messages: 0 };
  let generator: Promise<void> | undefined;
  try {
    const server = spawn(process.execPath, [CLI, 'serve', host, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    procs.push(server);
    server.stdout.on('data', (d) => (serverOut += d));
    server.stderr.on('data', (d) => (serverOut += d));
    await until('weir serve', () => /config center at (\S+)\/projects/.test(serverOut), output);
    const url = /config center at (\S+)\/projects/.exec(serverOut)![1]!;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}/projects/game${path}`, { method: 'POST', body: JSON.stringify(body) });
      return {
        status: res.status,
        json: (await res.json()) as { sha256: string; problems?: { path: string }[] },
      };
    };
    const publish = async (b: Behaviour) => {
      const r = await post('/versions', { files: files(b) });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      return versionLabelOf(r.json.sha256);
    };
    const labels = [await publish(BEHAVIOURS[0]!)];

    const run = spawn(
      process.execPath,
      [CLI, 'run', '--from', `${url}/projects/game`, work, '--worker-id', String(KAFKA_WORKER)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    procs.push(run);
    run.stderr.on('data', (d) => (runErr += d));

    // The generator: 10 lines and 10 messages every 100 ms, ids from 0 up in each source.
    const sink = createKafkaSink({ brokers, topic, compression: 'none' });
    generator = (async () => {
      try {
        while (!stopGenerator.signal.aborted) {
          const n = 10;
          const at = produced.lines;
          await appendFile(
            join(work, 'data', 'a.log'),
            Array.from({ length: n }, (_, i) => `{"id":${at + i},"note":"n${at + i}"}\n`).join(''),
          );
          produced.lines += n;
          const from = produced.messages;
          await sink.send(
            Array.from({ length: n }, (_, i) => ({
              key: `k${from + i}`,
              value: JSON.stringify({ id: from + i, note: `n${from + i}` }),
            })),
          );
          produced.messages += n;
          await sleep(100);
        }
      } finally {
        await sink.close();
      }
    })();

    const checkpoints = join(work, 'warehouse', '_weir', 'checkpoints');
    const manifests = async () =>
      [
        await latestManifest(checkpoints, 'files', 0),
        await latestManifest(checkpoints, 'game', KAFKA_WORKER),
      ].map((m) => m ?? undefined) as (Manifest | undefined)[];
    /** Per version taken, each job's switch point: lines (files) and offsets (Kafka) read before it. */
    const switchPoints: { files: number; game: number }[] = [];
    const generations = new Set<number>();
    const taken = async (label: string) => {
      await until(
        `both jobs on version ${label}`,
        async () => {
          const [f, g] = await manifests();
          return f?.configVersion === label && g?.configVersion === label && g.counters.recordsRead > 0;
        },
        output,
      );
      const [f, g] = (await manifests()) as Manifest[];
      generations.add(g!.generation ?? -1);
      switchPoints.push({
        files: Object.values(f!.versionFrom ?? {}).reduce((n, p) => n + p.line, 0),
        game: Object.values(g!.versionFrom ?? {}).reduce((n, p) => n + p.offset, 0),
      });
    };
    await taken(labels[0]!);
    for (const b of BEHAVIOURS.slice(1, 5)) {
      labels.push(await publish(b));
      await taken(labels.at(-1)!);
      await sleep(700); // rows under each version
    }
    // A broken version: refused with its config path, the job runs on.
    const broken = await post('/versions', {
      files: { ...files(BEHAVIOURS[4]!), 'udf/tag.py': 'def tag(r:\n' },
    });
    assert.equal(broken.status, 422);
    assert.ok(
      broken.json.problems?.some((p) => /udf\/tag\.py|tables\.k\.extend/.test(p.path)),
      JSON.stringify(broken.json),
    );
    const rolled = await post('/rollback', { to: 4 });
    assert.equal(rolled.status, 201, JSON.stringify(rolled.json));
    labels.push(versionLabelOf(rolled.json.sha256));
    assert.equal(labels[5], labels[3], 'the rollback has the files of version 4');
    await taken(labels[5]!);
    await sleep(700);
    stopGenerator.abort();
    await generator;
    await until(
      'every record generated to be read',
      async () => {
        const [f, g] = await manifests();
        return f?.counters.recordsRead === produced.lines && g?.counters.recordsRead === produced.messages;
      },
      output,
    );
    assert.equal(run.exitCode, null, `the run never stopped:\n${output()}`);
    assert.deepEqual([...generations].length, 1, 'the Kafka worker never left its group');
    assert.doesNotMatch(runErr, /resuming from the last checkpoint/);
    run.kill('SIGTERM');
    assert.equal(await new Promise((done) => run.once('exit', done)), 0, output());

    // The truth: record i of a source went through the version whose switch point is the last ≤ i.
    const versionOf = (source: 'files' | 'game', i: number) => {
      let v = 0;
      for (let s = 0; s < switchPoints.length; s++) if (switchPoints[s]![source] <= i) v = s;
      return BEHAVIOURS[v]!;
    };
    const expected = { f: [] as unknown[], k: [] as unknown[], k5: [] as unknown[] };
    for (let id = 0; id < produced.lines; id++) {
      const b = versionOf('files', id);
      if (id % b.dropEvery !== 0) expected.f.push({ id, note: b.note ? `n${id}` : null });
    }
    for (let id = 0; id < produced.messages; id++) {
      const b = versionOf('game', id);
      if (id % b.dropEvery !== 0) expected.k.push({ id, note: b.note ? `n${id}` : null, tag: b.tag });
      if (b.k5 && id % 5 === 0) expected.k5.push({ id });
    }
    const conn = await openWarehouse(join(work, 'warehouse'));
    try {
      const rows = async (sql: string) =>
        (await conn.runAndReadAll(sql))
          .getRowObjectsJson()
          .map((r) =>
            Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'id' ? Number(v) : (v ?? null)])),
          );
      assert.deepEqual(await rows('SELECT id, note FROM db.f ORDER BY id'), expected.f);
      assert.deepEqual(await rows('SELECT id, note, tag FROM db.k ORDER BY id'), expected.k);
      assert.deepEqual(await rows('SELECT id FROM db.k5 ORDER BY id'), expected.k5);
    } finally {
      conn.closeSync();
    }
    // Every version saw rows of its own: the switch points are apart.
    for (const source of ['files', 'game'] as const)
      for (let s = 1; s < switchPoints.length; s++)
        assert.ok(switchPoints[s]![source] > switchPoints[s - 1]![source], JSON.stringify(switchPoints));
  } finally {
    stopGenerator.abort();
    await generator?.catch(() => {});
    for (const p of procs) p.kill('SIGTERM');
    await sleep(500);
    await rm(root, { recursive: true, force: true });
  }
});
