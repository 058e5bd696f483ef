import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadProjectFromText } from '../config/load.ts';
import { createApp } from './app.ts';
import { REGISTRY_CONTENT_TYPE } from './registry/routes.ts';
import { Registry } from './registry/store.ts';

const LOGIN = {
  type: 'record',
  name: 'Login',
  namespace: 'game',
  fields: [
    { name: 'role_id', type: 'long' },
    { name: 'server', type: ['null', 'string'], default: null },
  ],
};

async function client(registry?: Registry) {
  const app = createApp({ registry: registry ?? (await Registry.open()) });
  return async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': REGISTRY_CONTENT_TYPE } }),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type'), json: JSON.parse(text) };
  };
}

const register = (schema: unknown) => ({ schema: JSON.stringify(schema) });

test('register, read back by subject/version and by id, with the registry content type', async () => {
  const call = await client();
  const reg = await call('POST', '/subjects/login-value/versions', register(LOGIN));
  assert.deepEqual([reg.status, reg.json], [200, { id: 1 }]);
  assert.equal(reg.type, REGISTRY_CONTENT_TYPE);
  assert.deepEqual((await call('GET', '/subjects')).json, ['login-value']);
  assert.deepEqual((await call('GET', '/subjects/login-value/versions')).json, [1]);
  const latest = await call('GET', '/subjects/login-value/versions/latest');
  assert.deepEqual(latest.json, { subject: 'login-value', version: 1, id: 1, schema: JSON.stringify(LOGIN) });
  assert.deepEqual((await call('GET', '/subjects/login-value/versions/1/schema')).json, LOGIN);
  assert.deepEqual((await call('GET', '/schemas/ids/1')).json, { schema: JSON.stringify(LOGIN) });
  assert.deepEqual((await call('GET', '/schemas/ids/1/versions')).json, [
    { subject: 'login-value', version: 1 },
  ]);
  assert.deepEqual((await call('GET', '/schemas/types')).json, ['AVRO']);
});

test('the same schema (canonical form) keeps one global id across subjects; another schema gets the next', async () => {
  const call = await client();
  assert.equal((await call('POST', '/subjects/a-value/versions', register(LOGIN))).json.id, 1);
  // same schema written differently: full name instead of namespace, other key order, spacing, a doc
  const same = `{ "fields": [ {"type": "long", "name": "role_id", "doc": "who"},
    {"name":"server","default":null,"type":["null","string"]} ], "name": "game.Login", "type": "record" }`;
  assert.equal((await call('POST', '/subjects/b-value/versions', { schema: same })).json.id, 1);
  assert.equal((await call('POST', '/subjects/a-value/versions', { schema: same })).json.id, 1);
  assert.deepEqual(
    (await call('GET', '/subjects/a-value/versions')).json,
    [1],
    're-registering adds no version',
  );
  const other = { ...LOGIN, fields: [...LOGIN.fields, { name: 'level', type: 'int', default: 1 }] };
  assert.equal((await call('POST', '/subjects/a-value/versions', register(other))).json.id, 2);
  assert.deepEqual((await call('GET', '/subjects/a-value/versions')).json, [1, 2]);
  assert.deepEqual((await call('GET', '/schemas/ids/1/versions')).json, [
    { subject: 'a-value', version: 1 },
    { subject: 'b-value', version: 1 },
  ]);
  const looked = await call('POST', '/subjects/b-value', { schema: same });
  assert.deepEqual(looked.json, { subject: 'b-value', version: 1, id: 1, schema: JSON.stringify(LOGIN) });
});

test('errors carry Confluent error codes and plain messages', async () => {
  const call = await client();
  await call('POST', '/subjects/s/versions', register(LOGIN));
  const cases: [string, string, unknown, number, number, RegExp][] = [
    ['GET', '/subjects/nope/versions', undefined, 404, 40401, /Subject 'nope' not found/],
    ['GET', '/subjects/s/versions/7', undefined, 404, 40402, /Version 7 not found/],
    ['GET', '/subjects/s/versions/zero', undefined, 422, 42202, /not a valid version/],
    ['GET', '/schemas/ids/99', undefined, 404, 40403, /Schema 99 not found/],
    ['POST', '/subjects/s', register({ ...LOGIN, name: 'Other' }), 404, 40403, /Schema not found/],
    ['POST', '/subjects/s/versions', { schema: '{"type":"record"' }, 422, 42201, /not valid JSON/],
    [
      'POST',
      '/subjects/s/versions',
      { schema: '{"type":"recrod","name":"x"}' },
      422,
      42201,
      /not a valid Avro schema/,
    ],
    [
      'POST',
      '/subjects/s/versions',
      { schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' },
      422,
      42201,
      /"PROTOBUF" is not supported; Weir's registry accepts only AVRO/,
    ],
    [
      'POST',
      '/subjects/s/versions',
      register({ ...LOGIN, fields: [{ name: 'role_id', type: 'string' }] }),
      409,
      409,
      /incompatible.*field "role_id" changed type from long to string/,
    ],
    ['PUT', '/config', { compatibility: 'SIDEWAYS' }, 422, 42203, /Invalid compatibility level "SIDEWAYS"/],
    ['GET', '/config/s', undefined, 404, 40408, /does not have subject-level compatibility/],
    ['GET', '/no/such/thing', undefined, 404, 404, /No such endpoint/],
  ];
  for (const [method, path, body, status, code, message] of cases) {
    const res = await call(method, path, body);
    assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.json)}`);
    assert.equal(res.json.error_code, code, `${method} ${path}`);
    assert.match(res.json.message, message);
    assert.equal(res.type, REGISTRY_CONTENT_TYPE);
  }
});

test('soft delete hides, hard delete (only after soft) removes; ids stay stable', async () => {
  const call = await client();
  const v2 = { ...LOGIN, fields: [...LOGIN.fields, { name: 'x', type: 'int', default: 0 }] };
  await call('POST', '/subjects/s/versions', register(LOGIN));
  await call('POST', '/subjects/s/versions', register(v2));
  assert.equal((await call('DELETE', '/subjects/s/versions/2?permanent=true')).json.error_code, 40407);
  assert.deepEqual((await call('DELETE', '/subjects/s/versions/latest')).json, 2);
  assert.equal(
    (await call('DELETE', '/subjects/s/versions/2')).json.error_code,
    40402,
    'latest skips deleted',
  );
  assert.deepEqual((await call('GET', '/subjects/s/versions')).json, [1]);
  assert.deepEqual((await call('GET', '/subjects/s/versions?deleted=true')).json, [1, 2]);
  assert.equal((await call('GET', '/subjects/s/versions/2')).status, 404);
  assert.equal((await call('GET', '/subjects/s/versions/2?deleted=true')).json.id, 2);
  assert.deepEqual((await call('DELETE', '/subjects/s/versions/2?permanent=true')).json, 2);
  assert.deepEqual((await call('GET', '/subjects/s/versions?deleted=true')).json, [1]);

  assert.equal((await call('DELETE', '/subjects/s?permanent=true')).json.error_code, 40405);
  assert.deepEqual((await call('DELETE', '/subjects/s')).json, [1]);
  assert.equal((await call('DELETE', '/subjects/s')).json.error_code, 40404);
  assert.deepEqual((await call('GET', '/subjects')).json, []);
  assert.deepEqual((await call('GET', '/subjects?deleted=true')).json, ['s']);
  assert.deepEqual((await call('GET', '/schemas/ids/1')).json, { schema: JSON.stringify(LOGIN) });
  assert.deepEqual((await call('DELETE', '/subjects/s?permanent=true')).json, [1]);
  assert.equal((await call('GET', '/subjects/s/versions?deleted=true')).json.error_code, 40401);
  // the same schema registered again keeps its id
  assert.equal((await call('POST', '/subjects/t/versions', register(LOGIN))).json.id, 1);
});

test('compatibility config per subject and globally, and the compatibility endpoint', async () => {
  const call = await client();
  assert.deepEqual((await call('GET', '/config')).json, { compatibilityLevel: 'BACKWARD' });
  await call('POST', '/subjects/s/versions', register(LOGIN));
  const renamed = {
    ...LOGIN,
    fields: [LOGIN.fields[0], { name: 'srv', type: ['null', 'string'], default: null, aliases: ['server'] }],
  };
  const check = (query = '') =>
    call('POST', `/compatibility/subjects/s/versions/latest${query}`, register(renamed));
  assert.deepEqual((await check()).json, { is_compatible: true });
  assert.deepEqual((await call('PUT', '/config/s', { compatibility: 'FULL' })).json, {
    compatibility: 'FULL',
  });
  assert.deepEqual((await call('GET', '/config/s')).json, { compatibilityLevel: 'FULL' });
  // FULL also needs the old schema to read new data; its "server" has a default, so it still can
  assert.deepEqual((await check()).json, { is_compatible: true });
  const required = { ...LOGIN, fields: [LOGIN.fields[0], { name: 'level', type: 'int' }] };
  const res = await call('POST', '/compatibility/subjects/s/versions/1?verbose=true', register(required));
  assert.equal(res.json.is_compatible, false);
  assert.match(
    res.json.messages.join('\n'),
    /not FULL compatible with version 1: field "level" was added without a default/,
  );
  assert.deepEqual((await call('DELETE', '/config/s')).json, { compatibilityLevel: 'FULL' });
  assert.deepEqual((await call('GET', '/config/s?defaultToGlobal=true')).json, {
    compatibilityLevel: 'BACKWARD',
  });
  assert.deepEqual((await call('PUT', '/config', { compatibility: 'NONE' })).json, { compatibility: 'NONE' });
  assert.deepEqual((await call('POST', '/subjects/s/versions', register(required))).json, { id: 2 });
});

test('the store survives a restart: ids, versions, deletions and config', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-registry-'));
  try {
    const first = await Registry.open(dir);
    const id = await first.register('a-value', JSON.stringify(LOGIN));
    const v2 = { ...LOGIN, fields: [...LOGIN.fields, { name: 'x', type: 'int', default: 0 }] };
    const id2 = await first.register('a-value', JSON.stringify(v2));
    await first.register('b-value', JSON.stringify(LOGIN));
    await first.deleteSubject('b-value');
    await first.setCompatibility('a-value', 'FULL_TRANSITIVE');

    const again = await Registry.open(dir);
    assert.deepEqual(again.versions('a-value'), [1, 2]);
    assert.equal(again.version('a-value', 'latest').id, id2);
    assert.equal(again.version('a-value', 1).id, id);
    assert.deepEqual(again.subjects(), ['a-value']);
    assert.deepEqual(again.subjects(true), ['a-value', 'b-value']);
    assert.equal(again.subjectCompatibility('a-value'), 'FULL_TRANSITIVE');
    const call = await client(again);
    const third = { ...LOGIN, name: 'Logout' };
    assert.deepEqual((await call('POST', '/subjects/c-value/versions', register(third))).json, {
      id: id2 + 1,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const PROJECT = `
sources:
  game: { files: { path: "logs/*.log" } }
tables:
  pay:
    source: game
    parser: { json: {} }
    schema:
      role_id: BIGINT NOT NULL
      amount: { type: "DECIMAL(12,2)", comment: "paid, in yuan" }
      items: ARRAY<STRING>
sinks:
  pay_avro:
    table: pay
    kafka: { brokers: ["k:9092"], topic: pay.events, format: avro, registry: "http://reg:8081" }
`;

test('Weir endpoints: the logical schema and the Flink DDL of each Kafka sink subject', async () => {
  const loaded = await loadProjectFromText(PROJECT, tmpdir());
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
  const app = createApp({ registry: await Registry.open(), project: loaded.project });
  const logical = await app.request('/weir/subjects/pay.events-value/logical');
  assert.equal(logical.status, 200);
  assert.deepEqual(await logical.json(), {
    subject: 'pay.events-value',
    sink: 'pay_avro',
    table: 'pay',
    topic: 'pay.events',
    format: 'avro',
    columns: [
      { name: 'role_id', type: 'BIGINT NOT NULL', nullable: false },
      { name: 'amount', type: 'DECIMAL(12, 2)', nullable: true, comment: 'paid, in yuan' },
      { name: 'items', type: 'ARRAY<STRING>', nullable: true },
    ],
  });
  const ddl = await (await app.request('/weir/subjects/pay.events-value/flink-ddl')).text();
  assert.match(ddl, /^CREATE TABLE `pay_avro` \(/);
  assert.match(ddl, /'format' = 'avro-confluent'/);
  assert.match(ddl, /'avro-confluent.url' = 'http:\/\/reg:8081'/);
  const missing = await app.request('/weir/subjects/other-value/logical');
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { message: string }).message, /subjects: pay.events-value/);
});

test('subject names like __proto__ and constructor are ordinary subjects and poison nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-registry-proto-'));
  try {
    const call = await client(await Registry.open(dir));
    for (const subject of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.equal((await call('PUT', `/config/${subject}`, { compatibility: 'NONE' })).status, 200, subject);
      assert.deepEqual((await call('GET', `/config/${subject}`)).json, { compatibilityLevel: 'NONE' });
    }
    assert.equal(({} as Record<string, unknown>).compatibility, undefined);
    assert.equal((await call('GET', '/subjects/constructor/versions')).status, 404);
    // Later writes still work, and so do these subjects once they hold schemas.
    const reg = await call('POST', '/subjects/__proto__/versions', register(LOGIN));
    assert.deepEqual([reg.status, reg.json], [200, { id: 1 }]);
    assert.deepEqual((await call('POST', '/subjects/login-value/versions', register(LOGIN))).json, { id: 1 });
    assert.deepEqual((await call('GET', '/subjects')).json, ['__proto__', 'login-value']);
    // …after a restart too.
    const again = await client(await Registry.open(dir));
    assert.deepEqual((await again('GET', '/subjects/__proto__/versions')).json, [1]);
    assert.deepEqual((await again('GET', '/config/constructor')).json, { compatibilityLevel: 'NONE' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('request bodies and schemas have size limits (413); write endpoints need the token once one is set', async () => {
  const app = createApp({ registry: await Registry.open(), token: 's3cret', maxBodyBytes: 64 * 1024 });
  const post = (path: string, body: string, token?: string) =>
    app.request(path, {
      method: 'POST',
      body,
      headers: {
        'content-type': REGISTRY_CONTENT_TYPE,
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
    });
  const ok = JSON.stringify(register(LOGIN));
  assert.equal((await post('/subjects/a-value/versions', ok)).status, 401);
  assert.equal((await post('/subjects/a-value/versions', ok, 'wrong')).status, 401);
  assert.equal((await post('/subjects/a-value/versions', ok, 's3cret')).status, 200);
  assert.equal((await app.request('/subjects')).status, 200, 'reading needs no token');
  const big = JSON.stringify({ schema: JSON.stringify({ ...LOGIN, doc: 'x'.repeat(100_000) }) });
  const tooBig = await post('/subjects/a-value/versions', big, 's3cret');
  assert.equal(tooBig.status, 413);
  assert.match(
    ((await tooBig.json()) as { message: string }).message,
    /larger than the 65536 bytes this server accepts/,
  );

  // The schema limit holds whatever the body limit.
  const registry = await Registry.open();
  await assert.rejects(
    registry.register('b-value', JSON.stringify({ ...LOGIN, doc: 'x'.repeat(1024 * 1024) })),
    (e: Error & { status?: number }) =>
      e.status === 413 && /schema is .* the registry keeps schemas up to 1 MiB/.test(e.message),
  );
});
