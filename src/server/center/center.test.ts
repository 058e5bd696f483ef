// The config center: versions are immutable and numbered, a version that would not validate is
// refused with its problems' config paths, rollback and diff, and two servers sharing one store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { serve } from '@hono/node-server';
import { sinkAvroSchema } from '../../config/derive.ts';
import { versionLabel } from '../../config/project-files.ts';
import { RegistryClient } from '../../connectors/kafka/confluent.ts';
import { createApp } from '../app.ts';
import { Registry } from '../registry/store.ts';
import { ConfigStore } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'weir-center-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const YAML = (filter: string) => `sources:
  game: { files: { path: "data/*.log" } }
tables:
  login:
    source: game
    filter: { contains: ['${filter}'] }
    parser: { json: {} }
    extend: [{ udf: udf/level.py#level }]
    schema: { role_id: BIGINT NOT NULL, level: INT }
sinks:
  login_out: { table: login, console: {} }
`;
const UDF = 'def level(r):\n    r["level"] = int(r.get("level", 0)) + 1\n    return r\n';

async function app(store = ConfigStore.open(':memory:')) {
  const a = createApp({ registry: await Registry.open(), center: store });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await a.request(path, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json: json as Record<string, unknown> & unknown[] };
  };
  return call;
}

test('publish, list, get, diff and roll back versions of a project', async () => {
  const call = await app();
  const first = await call('POST', '/projects/game/versions', {
    files: { 'weir.yaml': YAML('"log":"login"'), 'udf/level.py': UDF },
    message: 'first',
    author: 'ann',
  });
  assert.equal(first.status, 201, JSON.stringify(first.json));
  assert.deepEqual([first.json.version, first.json.author, first.json.message], [1, 'ann', 'first']);
  const second = await call('POST', '/projects/game/versions', {
    files: { 'weir.yaml': YAML('"log":"signin"'), 'udf/level.py': UDF },
    message: 'filter',
  });
  assert.equal(second.json.version, 2);
  assert.deepEqual(await call('GET', '/projects').then((r) => r.json), [{ name: 'game', latest: 2 }]);
  const latest = await call('GET', '/projects/game/versions/latest');
  assert.equal(latest.json.version, 2);
  assert.equal((latest.json.files as Record<string, string>)['udf/level.py'], UDF);
  const diff = await call('GET', '/projects/game/diff?from=1&to=2');
  assert.match(String(diff.json), /--- a\/weir\.yaml\tversion 1\n\+\+\+ b\/weir\.yaml\tversion 2/);
  assert.match(
    String(diff.json),
    /- {4}filter: \{ contains: \['"log":"login"'\] \}\n\+ {4}filter: \{ contains: \['"log":"signin"'\] \}/,
  );
  const back = await call('POST', '/projects/game/rollback', { to: 1 });
  assert.equal(back.status, 201);
  assert.deepEqual(
    [back.json.version, back.json.message, back.json.sha256],
    [3, 'roll back to version 1', first.json.sha256],
  );
  assert.deepEqual(
    ((await call('GET', '/projects/game/versions')).json as { version: number }[]).map((v) => v.version),
    [1, 2, 3],
  );
  assert.equal((await call('GET', '/projects/game/versions/9')).status, 404);
  assert.equal((await call('POST', '/projects/game/rollback', { to: 9 })).status, 404);
});

test('a version weir validate would refuse is refused with every problem and its config path', async () => {
  const call = await app();
  const bad = YAML('"log":"login"')
    .replace('parser: { json: {} }', "parser: { regex: { pattern: '(?<role_id>\\d+' } }")
    .replace('login_out: { table: login', 'login_out: { table: logins');
  const res = await call('POST', '/projects/game/versions', { files: { 'weir.yaml': bad } });
  assert.equal(res.status, 422);
  const paths = (res.json.problems as { path: string }[]).map((p) => p.path).sort();
  assert.deepEqual(paths, [
    'sinks.login_out.table',
    'tables.login.extend[0].udf',
    'tables.login.parser.regex.pattern',
  ]);
  assert.equal((await call('GET', '/projects/game/versions')).status, 404, 'nothing was stored');
  const shape = await call('POST', '/projects/game/versions', { files: { '../x.py': '', 'a.py': 1 } });
  assert.deepEqual(
    (shape.json.problems as { path: string; message: string }[]).map((p) => `${p.path}: ${p.message}`),
    [
      'files: needs weir.yaml',
      'files.../x.py: must be a relative path inside the project (a/b.py)',
      'files.a.py: must be the file text',
    ],
  );
});

test('two servers on one store file number their publishes without a collision', async () => {
  const file = join(dir, 'shared.db');
  const [a, b] = [await app(ConfigStore.open(file)), await app(ConfigStore.open(file))];
  const files = { 'weir.yaml': YAML('"log":"login"'), 'udf/level.py': UDF };
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      (i % 2 ? a : b)('POST', '/projects/game/versions', { files, message: `m${i}` }),
    ),
  );
  assert.deepEqual(
    results.map((r) => r.status),
    [201, 201, 201, 201, 201, 201],
  );
  assert.deepEqual(results.map((r) => r.json.version).sort(), [1, 2, 3, 4, 5, 6]);
  assert.equal(ConfigStore.open(file).versions('game').length, 6);
});

test('preview a stored version or candidate files on sample lines: rows and error records, nothing stored', async () => {
  const call = await app();
  const files = { 'weir.yaml': YAML('"log":"login"'), 'udf/level.py': UDF };
  assert.equal((await call('POST', '/projects/game/versions', { files })).status, 201);
  const lines = ['{"log":"login","role_id":7,"level":2}', '{"log":"login","role_id":"x"}', '{"log":"pay"}'];
  const stored = await call('POST', '/projects/game/preview', { lines });
  assert.equal(stored.status, 200, JSON.stringify(stored.json));
  const login = (stored.json.tables as Record<string, { rows: unknown[]; errors: { code: string }[] }>)
    .login!;
  assert.deepEqual(login.rows, [{ role_id: 7, level: 3 }]);
  assert.deepEqual(
    login.errors.map((e) => e.code),
    ['CAST'],
  );
  const candidate = await call('POST', '/projects/game/preview', {
    lines,
    files: { ...files, 'weir.yaml': YAML('"log":"pay"') },
  });
  const pay = (candidate.json.tables as Record<string, { counters: { recordsIn: number } }>).login!;
  assert.equal(pay.counters.recordsIn, 1, 'the candidate filter routes only the pay line');
  assert.equal((await call('GET', '/projects/game/versions')).json.length, 1, 'previews store nothing');
  const broken = await call('POST', '/projects/game/preview', { lines, files: { 'weir.yaml': 'tables: [' } });
  assert.equal(broken.status, 422);
});

test('preview a stored version or candidate files on sample lines: rows and error records, nothing stored', async () => {
  const call = await app();
  const files = { 'weir.yaml': YAML('"log":"login"'), 'udf/level.py': UDF };
  assert.equal((await call('POST', '/projects/game/versions', { files })).status, 201);
  const lines = ['{"log":"login","role_id":7,"level":2}', '{"log":"login","role_id":"x"}', '{"log":"pay"}'];
  const stored = await call('POST', '/projects/game/preview', { lines });
  assert.equal(stored.status, 200, JSON.stringify(stored.json));
  const login = (stored.json.tables as Record<string, { rows: unknown[]; errors: { code: string }[] }>)
    .login!;
  assert.deepEqual(login.rows, [{ role_id: 7, level: 3 }]);
  assert.deepEqual(
    login.errors.map((e) => e.code),
    ['CAST'],
  );
  const candidate = await call('POST', '/projects/game/preview', {
    lines,
    files: { ...files, 'weir.yaml': YAML('"log":"pay"') },
  });
  const pay = (candidate.json.tables as Record<string, { counters: { recordsIn: number } }>).login!;
  assert.equal(pay.counters.recordsIn, 1, 'the candidate filter routes only the pay line');
  assert.equal((await call('GET', '/projects/game/versions')).json.length, 1, 'previews store nothing');
  const broken = await call('POST', '/projects/game/preview', { lines, files: { 'weir.yaml': 'tables: [' } });
  assert.equal(broken.status, 422);
});

test('a long-poll for the latest version answers when a newer one is published, or 204 after its wait', async () => {
  const call = await app();
  const files = { 'weir.yaml': YAML('"log":"login"'), 'udf/level.py': UDF };
  assert.equal((await call('POST', '/projects/game/versions', { files })).status, 201);
  const t0 = Date.now();
  const idle = await call('GET', '/projects/game/versions/latest?after=1&wait=1');
  assert.equal(idle.status, 204);
  assert.ok(Date.now() - t0 >= 900, 'held for its wait');
  const ahead = await call('GET', '/projects/game/versions/latest?after=0&wait=30');
  assert.equal([ahead.status, ahead.json.version].join(), '200,1', 'a newer one is answered at once');
  const waiting = call('GET', '/projects/game/versions/latest?after=1&wait=30');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await call('POST', '/projects/game/versions', { files, message: 'two' })).status, 201);
  const got = await waiting;
  assert.equal([got.status, got.json.version, got.json.message].join(), '200,2,two');
});

test('followers report what their workers run; the center names each version by its number', async () => {
  const call = await app();
  const files = { 'weir.yaml': YAML('"log":"login"'), 'udf/level.py': UDF };
  await call('POST', '/projects/game/versions', { files });
  const two = { ...files, 'weir.yaml': YAML('"log":"signin"') };
  await call('POST', '/projects/game/versions', { files: two });
  const worker = {
    worker: 0,
    configVersion: versionLabel(files),
    since: '2026-12-04T10:00:00.000Z',
    lastCheckpoint: '2026-12-04T10:05:00.000Z',
    refused: {
      version: versionLabel(two),
      message: 'needs a restart of weir run',
      time: '2026-12-04T10:04:00.000Z',
    },
  };
  const report = { host: 'h1', dir: '/work/game', following: 2, workers: { game: [worker] } };
  const put = await call('PUT', '/projects/game/workers/h1-abc', report);
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const other = {
    host: 'h2',
    dir: '/w',
    following: 1,
    workers: { game: [{ ...worker, configVersion: 'mine' }] },
  };
  assert.equal((await call('PUT', '/projects/game/workers/h2-def', other)).status, 200);
  await call('PUT', '/projects/game/workers/h1-abc', report); // a newer report replaces the older

  const got = await call('GET', '/projects/game/workers');
  assert.equal(got.status, 200);
  const [a, b] = got.json as unknown as { id: string; workers: Record<string, unknown>[] }[];
  assert.deepEqual(
    [a!.id, a!.workers.length, a!.workers[0]!.job, a!.workers[0]!.version],
    ['h1-abc', 1, 'game', 1],
  );
  assert.deepEqual((a!.workers[0]!.refused as { versionNumber: number }).versionNumber, 2);
  assert.equal(b!.workers[0]!.version, null, 'a label the center never gave (version: in weir.yaml)');

  const bad = await call('PUT', '/projects/game/workers/h1-abc', { host: 'h1', workers: [] });
  assert.equal(bad.status, 400);
  assert.match(String(bad.json.message), /dir/);
  assert.equal((await call('PUT', '/projects/game/workers/a%20b', report)).status, 400);
});

test('publish refuses a version that changes what warehouse tables hold, unless allowed; the accepted changes are recorded', async () => {
  const call = await app();
  const yaml = (schema: string, format = 'parquet') => `sources:
  game: { files: { path: "data/*.log" } }
tables:
  t:
    source: game
    parser: { json: {} }
    schema: { ${schema} }
sinks:
  t: { table: t, hive: { database: db, format: ${format} } }
`;
  const publishing = (schema: string, opts: { format?: string; allow?: boolean } = {}) =>
    call('POST', '/projects/wh/versions', {
      files: { 'weir.yaml': yaml(schema, opts.format) },
      ...(opts.allow ? { allowIncompatible: true } : {}),
    });
  assert.equal((await publishing('id: BIGINT NOT NULL')).status, 201);
  const added = await publishing('id: BIGINT NOT NULL, note: STRING');
  assert.equal(added.status, 201, 'an added nullable column is fine');
  assert.equal(added.json.incompatible, undefined);

  const refused = async (schema: string, path: string, why: RegExp, format?: string) => {
    const r = await publishing(schema, format ? { format } : {});
    assert.equal(r.status, 409, `${schema}: ${JSON.stringify(r.json)}`);
    assert.match(String(r.json.message), /--allow-incompatible/);
    const problems = r.json.problems as unknown as { path: string; message: string }[];
    assert.ok(
      problems.some((p) => p.path === path && why.test(p.message)),
      JSON.stringify(problems),
    );
  };
  await refused(
    'id: STRING NOT NULL, note: STRING',
    'tables.t.schema.id',
    /is BIGINT NOT NULL in the files written; STRING NOT NULL would change its type/,
  );
  await refused(
    'id: BIGINT NOT NULL',
    'tables.t.schema.note',
    /column note \(STRING\) of db\.t would be removed/,
  );
  await refused(
    'id: BIGINT NOT NULL, note: STRING, level: INT NOT NULL',
    'tables.t.schema.level',
    /add it nullable/,
  );
  await refused(
    'id: BIGINT NOT NULL, note: STRING NOT NULL',
    'tables.t.schema.note',
    /NOT NULL would not hold/,
  );
  await refused(
    'id: BIGINT NOT NULL, note: STRING',
    'sinks.t.hive.format',
    /holds parquet files; json would mix/,
    'json',
  );
  assert.equal((await call('GET', '/projects/wh/versions')).json.length, 2, 'nothing refused was stored');

  const allowed = await publishing('id: STRING NOT NULL, note: STRING', { allow: true });
  assert.equal(allowed.status, 201);
  const recorded = allowed.json.incompatible as unknown as { path: string }[];
  assert.deepEqual(
    recorded.map((p) => p.path),
    ['tables.t.schema.id'],
  );
  const listed = (await call('GET', '/projects/wh/versions')).json as unknown as {
    incompatible?: unknown[];
  }[];
  assert.deepEqual(
    listed.map((v) => v.incompatible?.length ?? 0),
    [0, 0, 1],
  );

  // A rollback is never refused, and says what it changed.
  const back = await call('POST', '/projects/wh/rollback', { to: 2 });
  assert.equal(back.status, 201);
  assert.deepEqual(
    (back.json.incompatible as unknown as { path: string }[]).map((p) => p.path),
    ['tables.t.schema.id'],
  );
});

test('an Avro Kafka sink is checked by its schema registry’s rules at publish', async () => {
  // One weir serve: the center and the registry the sink names.
  const store = ConfigStore.open(':memory:');
  const served = createApp({ registry: await Registry.open(), center: store });
  const server = serve({ fetch: served.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((done) => server.once('listening', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const yaml = (schema: string) => `sources:
  game: { files: { path: "data/*.log" } }
tables:
  t:
    source: game
    parser: { json: {} }
    schema: { ${schema} }
sinks:
  t_rt: { table: t, kafka: { brokers: ["127.0.0.1:9"], topic: pays, format: avro, registry: "${url}" } }
`;
    const publishing = async (schema: string) => {
      const res = await fetch(`${url}/projects/rt/versions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ files: { 'weir.yaml': yaml(schema) } }),
      });
      return {
        status: res.status,
        json: (await res.json()) as { problems?: { path: string; message: string }[] },
      };
    };
    assert.equal((await publishing('id: BIGINT NOT NULL')).status, 201, 'no subject yet: anything goes');
    // What weir run registers for version 1 (BACKWARD, the default level).
    const v1 = sinkAvroSchema(
      {
        name: 't',
        columns: [{ name: 'id', type: { kind: 'BIGINT', nullable: false }, onError: 'error' }],
      } as never,
      { name: 't_rt', config: { table: 't', kafka: { topic: 'pays' } } } as never,
    );
    await new RegistryClient(url).register('pays-value', v1);
    assert.equal(
      (await publishing('id: BIGINT NOT NULL, note: STRING')).status,
      201,
      'a field with a default',
    );
    const refused = await publishing('id: BIGINT NOT NULL, level: INT NOT NULL');
    assert.equal(refused.status, 409, JSON.stringify(refused.json));
    assert.ok(
      refused.json.problems?.some(
        (p) => p.path === 'sinks.t_rt.kafka' && /subject pays-value .*BACKWARD.*level/.test(p.message),
      ),
      JSON.stringify(refused.json.problems),
    );
  } finally {
    server.close();
    store.close();
  }
});
