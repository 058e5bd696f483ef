// The documented set-up for Avro sinks: start `weir serve` (it registers each Avro sink's schema),
// point the sink's registry at it, then `weir run`. Both derive the schema one way, so the run
// starts and its schema is the one serve registered (before, serve named the record after the
// table and run after the topic, and run refused to start: "type name changed").
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopic } from '../../src/connectors/kafka/admin.ts';
import { ensureBroker, type TestBroker } from './broker.ts';
import { CLI } from './fixtures.ts';
import { uniqueName } from './helpers.ts';

let broker: TestBroker;
let server: ChildProcess | undefined;
const dirs: string[] = [];
before(async () => {
  broker = await ensureBroker();
});
after(async () => {
  server?.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  await broker?.stop();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('weir serve registers the Avro sink schema that weir run then uses: the run starts and adds no version', async () => {
  const topic = uniqueName('serve-avro');
  await createTopic(broker.brokers, topic, 1);
  const dir = await mkdtemp(join(tmpdir(), 'weir-serve-avro-'));
  dirs.push(dir);
  const port = await freePort();
  const registry = `http://127.0.0.1:${port}`;
  await writeFile(join(dir, 'in.log'), '{"seq":1,"role":"a"}\n{"seq":2,"role":"b"}\n');
  await writeFile(
    join(dir, 'weir.yaml'),
    `
sources:
  game: { files: { path: in.log } }
tables:
  logins:
    source: game
    parser: { json: {} }
    schema: { seq: BIGINT NOT NULL, role: STRING }
sinks:
  logins_rt:
    table: logins
    kafka: { brokers: [${broker.brokers.join(',')}], topic: ${topic}, format: avro, registry: "${registry}" }
`,
  );
  server = spawn(process.execPath, [CLI, 'serve', dir, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  server.stdout!.on('data', (d) => {
    out += d;
  });
  server.stderr!.on('data', (d) => {
    out += d;
  });
  for (let i = 0; i < 100 && !/has schema id \d+/.test(out); i++) await sleep(100);
  assert.match(out, new RegExp(`sink logins_rt: subject ${topic}-value has schema id \\d+`));

  const run = spawnSync(process.execPath, [CLI, 'run', dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /logins_rt .* 2 +2 +0 +0/);
  const versions = await (await fetch(`${registry}/subjects/${topic}-value/versions`)).json();
  assert.deepEqual(versions, [1], 'weir run registered no second version');
  const schema = (await (await fetch(`${registry}/subjects/${topic}-value/versions/1`)).json()) as {
    schema: string;
  };
  assert.equal(JSON.parse(schema.schema).name, topic.replace(/[^A-Za-z0-9_]/g, '_'));
});
