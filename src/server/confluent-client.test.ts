// Acceptance: Confluent's own Schema Registry client for Node (an independent implementation)
// against Weir's registry over real HTTP, and Avro messages crossing between the two.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  AvroDeserializer,
  AvroSerializer,
  Compatibility,
  SchemaRegistryClient,
  SerdeType,
} from '@confluentinc/schemaregistry';
import { serve } from '@hono/node-server';
import { ALL_TYPES, FULL_ROW } from '../connectors/kafka/avro.fixture.ts';
import { createAvroDecoder, prepareAvroSink } from '../connectors/kafka/confluent.ts';
import { column } from '../types/test-support.ts';
import { createApp } from './app.ts';
import { Registry } from './registry/store.ts';

let url = '';
let server: ReturnType<typeof serve>;
let client: SchemaRegistryClient;

before(async () => {
  const app = createApp({ registry: await Registry.open() });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new SchemaRegistryClient({ baseURLs: [url] });
});

after(() => {
  client.close();
  (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  server.close();
});

const PAY = [column('role_id', 'BIGINT NOT NULL'), column('amount', 'DOUBLE'), column('note', 'STRING')];

test('the Confluent client reads what a Weir sink registered, and finds it by schema', async () => {
  const sink = await prepareAvroSink(url, 'pay-value', PAY, { sink: 'pay_avro', recordName: 'pay' });
  const latest = await client.getLatestSchemaMetadata('pay-value');
  assert.equal(latest.id, sink.id);
  assert.equal(latest.version, 1);
  assert.deepEqual(JSON.parse(latest.schema), sink.schema);
  const byId = await client.getBySubjectAndId('pay-value', sink.id);
  assert.deepEqual(JSON.parse(byId.schema), sink.schema);
  const info = { schemaType: 'AVRO', schema: JSON.stringify(sink.schema) };
  assert.equal(await client.getId('pay-value', info), sink.id);
  assert.equal(await client.getVersion('pay-value', info), 1);
  assert.deepEqual(await client.getAllVersions('pay-value'), [1]);
  assert.ok((await client.getAllSubjects()).includes('pay-value'));
  // registering the same schema through Confluent's client is a no-op with the same id
  assert.equal(await client.register('pay-value', info), sink.id);
});

test('Confluent’s AvroDeserializer decodes messages a Weir sink produced, every type included', async () => {
  const sink = await prepareAvroSink(url, 'all-value', ALL_TYPES, { recordName: 'Everything' });
  // avsc without a custom long refuses longs near 2^53, so this row keeps BIGINT well inside
  const message = sink.encode({ ...FULL_ROW, big: -(2n ** 40n) - 3n });
  const decoded = (await new AvroDeserializer(client, SerdeType.VALUE, {}).deserialize(
    'all',
    message,
  )) as Record<string, unknown>;
  // Confluent's client uses avsc without logical types: the raw Avro values
  assert.equal(decoded.big, -(2 ** 40) - 3);
  assert.equal(decoded.name, FULL_ROW.name);
  assert.equal(decoded.day, -1);
  assert.equal(decoded.ts_ms, 1_764_064_801_123);
  assert.equal(decoded.at_us, FULL_ROW.at_us);
  assert.deepEqual(decoded.tags, FULL_ROW.tags);
  assert.equal((decoded.profile as { level: number }).level, 30);
  assert.deepEqual([...(decoded.cents as Buffer)], [0x30, 0x39]);
});

test('Weir decodes messages Confluent’s AvroSerializer produced (schema fetched by id)', async () => {
  const sink = await prepareAvroSink(url, 'ser-value', PAY, { recordName: 'pay' });
  const ser = new AvroSerializer(client, SerdeType.VALUE, {
    useLatestVersion: true,
    autoRegisterSchemas: false,
  });
  const message = await ser.serialize('ser', { role_id: 77, amount: 9.5, note: null });
  assert.equal(message.readUInt32BE(1), sink.id);
  const decoder = createAvroDecoder(url);
  assert.equal(await decoder.decode(message), '{"role_id":77,"amount":9.5,"note":null}');
  const second = await ser.serialize('ser', { role_id: 78, amount: null, note: 'x' });
  assert.equal(await decoder.decode(second), '{"role_id":78,"amount":null,"note":"x"}');
  await assert.rejects(decoder.decode(Buffer.from([0, 0, 0, 0, 99, 1])), /Schema 99 not found/);
});

test('an incompatible table change is refused before anything is registered, naming sink, field and rule', async () => {
  await prepareAvroSink(url, 'evo-value', PAY, { sink: 'events_avro', recordName: 'pay' });
  const changed = [PAY[0]!, column('amount', 'STRING'), PAY[2]!];
  await assert.rejects(
    prepareAvroSink(url, 'evo-value', changed, { sink: 'events_avro', recordName: 'pay' }),
    {
      message:
        'sink events_avro: the new schema is not BACKWARD compatible with version 1: field "amount" changed type ' +
        'from double to string (Avro only promotes int→long→float→double and string↔bytes)',
    },
  );
  assert.deepEqual(await client.getAllVersions('evo-value'), [1]);
  // Confluent's client sees the same verdicts and can change the level
  const info = { schemaType: 'AVRO', schema: JSON.stringify({ type: 'record', name: 'pay', fields: [] }) };
  assert.equal(await client.testSubjectCompatibility('evo-value', info), true);
  assert.equal(await client.updateCompatibility('evo-value', Compatibility.FORWARD), Compatibility.FORWARD);
  assert.equal(await client.getCompatibility('evo-value'), Compatibility.FORWARD);
  assert.equal(await client.testSubjectCompatibility('evo-value', info), false);
  // an added nullable column is fine under FORWARD
  const added = await prepareAvroSink(url, 'evo-value', [...PAY, column('extra', 'INT')], {
    recordName: 'pay',
  });
  assert.deepEqual(await client.getAllVersions('evo-value'), [1, 2]);
  assert.equal((await client.getLatestSchemaMetadata('evo-value')).id, added.id);
});

test('soft and hard delete through the Confluent client', async () => {
  const info = { schemaType: 'AVRO', schema: JSON.stringify({ type: 'record', name: 'gone', fields: [] }) };
  const id = await client.register('gone-value', info);
  assert.deepEqual(await client.deleteSubject('gone-value'), [1]);
  assert.equal((await client.getAllSubjects()).includes('gone-value'), false);
  assert.deepEqual(await client.deleteSubject('gone-value', true), [1]);
  assert.equal(await client.register('gone-value', info), id, 'the id of a known schema is reused');
  await assert.rejects(client.getLatestSchemaMetadata('nobody-value'), /not found/);
});

test('a Weir sink registers with a registry that needs a token when WEIR_TOKEN holds it', async () => {
  const app = createApp({ registry: await Registry.open(), token: 'tok-1' });
  const guarded = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => guarded.once('listening', resolve));
  const at = `http://127.0.0.1:${(guarded.address() as AddressInfo).port}`;
  const saved = process.env.WEIR_TOKEN;
  try {
    delete process.env.WEIR_TOKEN;
    await assert.rejects(prepareAvroSink(at, 'pay-value', PAY, { sink: 'pay' }), /401|token/);
    process.env.WEIR_TOKEN = 'tok-1';
    const sink = await prepareAvroSink(at, 'pay-value', PAY, { sink: 'pay' });
    assert.ok(sink.encode({ role_id: 1n, amount: 2.5, note: null }).length > 5);
  } finally {
    if (saved === undefined) delete process.env.WEIR_TOKEN;
    else process.env.WEIR_TOKEN = saved;
    (guarded as { closeAllConnections?: () => void }).closeAllConnections?.();
    guarded.close();
  }
});
