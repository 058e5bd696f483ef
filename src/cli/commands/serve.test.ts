import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const MAIN = new URL('../main.ts', import.meta.url).pathname;

const PROJECT = `
sources:
  game: { files: { path: "logs/*.log" } }
tables:
  pay:
    source: game
    parser: { json: {} }
    schema:
      role_id: BIGINT NOT NULL
      amount: DOUBLE
sinks:
  pay_avro:
    table: pay
    kafka: { brokers: ["k:9092"], topic: pay, format: avro, registry: "http://localhost:8081" }
`;

/** Starts `weir serve`, waits for its URL, runs `fn`, then stops it with SIGTERM; returns exit code and output. */
async function withServer(dir: string, fn: (url: string) => Promise<void>, host = '127.0.0.1') {
  const child = spawn(process.execPath, [MAIN, 'serve', dir, '--port', '0', '--host', host], {
    env: { ...process.env, WEIR_TOKEN: '' },
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`weir serve did not start:\n${out}`)), 15_000);
      child.stdout.on('data', () => {
        const m = /schema registry at (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    await fn(url);
  } finally {
    child.kill('SIGTERM');
  }
  return { code: await exited, out };
}

test('weir serve registers avro sinks, serves the registry, stops cleanly and keeps ids across restarts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-serve-'));
  try {
    await writeFile(join(dir, 'weir.yaml'), PROJECT);
    const first = await withServer(dir, async (url) => {
      const latest = (await (await fetch(`${url}/subjects/pay-value/versions/latest`)).json()) as {
        id: number;
        schema: string;
      };
      assert.equal(latest.id, 1);
      assert.deepEqual(
        JSON.parse(latest.schema).fields.map((f: { name: string }) => f.name),
        ['role_id', 'amount'],
      );
      const ddl = await (await fetch(`${url}/weir/subjects/pay-value/flink-ddl`)).text();
      assert.match(ddl, /'format' = 'avro-confluent'/);
      const other = { type: 'record', name: 'other', fields: [] };
      const reg = await fetch(`${url}/subjects/other-value/versions`, {
        method: 'POST',
        body: JSON.stringify({ schema: JSON.stringify(other) }),
      });
      assert.deepEqual(await reg.json(), { id: 2 });
    });
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /sink pay_avro: subject pay-value has schema id 1/);

    const second = await withServer(dir, async (url) => {
      assert.deepEqual(await (await fetch(`${url}/subjects`)).json(), ['other-value', 'pay-value']);
      assert.deepEqual(await (await fetch(`${url}/subjects/other-value/versions/1`)).json(), {
        subject: 'other-value',
        version: 1,
        id: 2,
        schema: '{"type":"record","name":"other","fields":[]}',
      });
    });
    assert.equal(second.code, 0, second.out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('weir serve refuses a bad port plainly', async () => {
  const child = spawn(process.execPath, [MAIN, 'serve', '.', '--port', 'eighty']);
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(err, /--port must be a whole number from 0 to 65535, got "eighty"/);
});

test('without tokens weir serve refuses a non-loopback bind; with a token it listens, and writes need it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-serve-tokens-'));
  try {
    await writeFile(join(dir, 'weir.yaml'), PROJECT);
    const refused = spawnSync(process.execPath, [MAIN, 'serve', dir, '--port', '0', '--host', '0.0.0.0'], {
      encoding: 'utf8',
      env: { ...process.env, WEIR_TOKEN: '' },
    });
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /refusing to listen on 0\.0\.0\.0 without tokens/);

    const made = spawnSync(
      process.execPath,
      [MAIN, 'token', 'create', dir, '--name', 'ci', '--role', 'editor'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(made.status, 0, made.stderr);
    const token = made.stdout.trim();
    assert.match(made.stderr, /created ci \(editor, id [a-z0-9]{8}\); it is shown only now/);
    const listed = spawnSync(process.execPath, [MAIN, 'token', 'list', dir], { encoding: 'utf8' });
    assert.match(listed.stdout, /^[a-z0-9]{8} {2}editor {2}ci {2}\(created /m);
    assert.ok(!listed.stdout.includes(token));

    const served = await withServer(
      dir,
      async (url) => {
        const local = url.replace('localhost', '127.0.0.1');
        const register = (auth?: string) =>
          fetch(`${local}/subjects/other-value/versions`, {
            method: 'POST',
            body: JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'other', fields: [] }) }),
            headers: auth ? { authorization: `Bearer ${auth}` } : {},
          });
        assert.equal((await register()).status, 401);
        assert.equal((await register(token)).status, 200);
        const del = await fetch(`${local}/subjects/other-value`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(del.status, 403, 'deleting needs admin');
      },
      '0.0.0.0',
    );
    assert.equal(served.code, 0, served.out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
