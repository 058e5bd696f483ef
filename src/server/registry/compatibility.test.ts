// The compatibility matrix, as Confluent documents it ("Schema Evolution and Compatibility"):
// BACKWARD = the new schema reads data written with the last one; FORWARD = the last one reads
// data written with the new one; FULL = both; *_TRANSITIVE = against every earlier version.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompatibilityLevel } from './compatibility.ts';
import { Registry } from './store.ts';

const record = (...fields: object[]) => JSON.stringify({ type: 'record', name: 'R', fields });
const a = { name: 'a', type: 'int' };
const b = { name: 'b', type: 'string' };

// [change, old, new, { level: accepted }]
const MATRIX: [string, string, string, Record<'BACKWARD' | 'FORWARD' | 'FULL' | 'NONE', boolean>][] = [
  [
    'add optional field (with default)',
    record(a, b),
    record(a, b, { name: 'c', type: 'string', default: '' }),
    { BACKWARD: true, FORWARD: true, FULL: true, NONE: true },
  ],
  [
    'add nullable field (default null)',
    record(a, b),
    record(a, b, { name: 'c', type: ['null', 'long'], default: null }),
    { BACKWARD: true, FORWARD: true, FULL: true, NONE: true },
  ],
  [
    'add required field (no default)',
    record(a, b),
    record(a, b, { name: 'c', type: 'string' }),
    { BACKWARD: false, FORWARD: true, FULL: false, NONE: true },
  ],
  [
    'remove field with default',
    record(a, { ...b, default: 'x' }),
    record(a),
    { BACKWARD: true, FORWARD: true, FULL: true, NONE: true },
  ],
  [
    'remove field without default',
    record(a, b),
    record(a),
    { BACKWARD: true, FORWARD: false, FULL: false, NONE: true },
  ],
  [
    'change type int → long (promotion)',
    record(a, b),
    record({ name: 'a', type: 'long' }, b),
    { BACKWARD: true, FORWARD: false, FULL: false, NONE: true },
  ],
  [
    'change type string → int',
    record(a, b),
    record(a, { name: 'b', type: 'int' }),
    { BACKWARD: false, FORWARD: false, FULL: false, NONE: true },
  ],
  [
    'change type string → bytes (promotion both ways)',
    record(a, b),
    record(a, { name: 'b', type: 'bytes' }),
    { BACKWARD: true, FORWARD: true, FULL: true, NONE: true },
  ],
  [
    'rename field without alias',
    record(a, b),
    record(a, { name: 'bb', type: 'string' }),
    { BACKWARD: false, FORWARD: false, FULL: false, NONE: true },
  ],
  [
    'rename field with alias',
    record(a, b),
    record(a, { name: 'bb', type: 'string', aliases: ['b'] }),
    { BACKWARD: true, FORWARD: false, FULL: false, NONE: true },
  ],
];

for (const [change, oldSchema, newSchema, expected] of MATRIX) {
  for (const [level, accepted] of Object.entries(expected)) {
    test(`${change} under ${level}: ${accepted ? 'accepted' : 'rejected'}`, async () => {
      const registry = await Registry.open();
      await registry.setCompatibility('s', level);
      const id1 = await registry.register('s', oldSchema);
      const check = registry.testCompatibility('s', 'latest', newSchema);
      assert.equal(check.compatible, accepted, check.messages.join('\n'));
      if (accepted) {
        assert.notEqual(await registry.register('s', newSchema), id1);
        assert.deepEqual(registry.versions('s'), [1, 2]);
      } else {
        await assert.rejects(registry.register('s', newSchema), (err: Error & { errorCode?: number }) => {
          assert.equal(err.errorCode, 409);
          assert.match(err.message, new RegExp(`not ${level} compatible with version 1: field "`));
          return true;
        });
        assert.deepEqual(registry.versions('s'), [1]);
      }
    });
  }
}

// Each history passes the non-transitive level but fails its transitive form, because the last
// version differs from an older one in a way the middle version hides.
const TRANSITIVE: [CompatibilityLevel, string[]][] = [
  [
    'BACKWARD',
    [
      record(a, { name: 'f', type: 'int' }),
      record(a),
      record(a, { name: 'f', type: 'string', default: '' }), // reads v2, not v1's int f
    ],
  ],
  [
    'FORWARD',
    [
      record(a, { name: 'f', type: 'int' }),
      record(a, { name: 'f', type: 'int', default: 0 }),
      record(a), // v2 reads it (default), v1 cannot (f has no default)
    ],
  ],
  [
    'FULL',
    [record(a, { name: 'f', type: 'int' }), record(a, { name: 'f', type: 'int', default: 0 }), record(a)],
  ],
];

for (const [level, history] of TRANSITIVE) {
  test(`${level} accepts a history that ${level}_TRANSITIVE refuses at the last step`, async () => {
    for (const transitive of [false, true]) {
      const registry = await Registry.open();
      await registry.setCompatibility(undefined, transitive ? `${level}_TRANSITIVE` : level);
      await registry.register('s', history[0]!);
      await registry.register('s', history[1]!);
      const last = registry.testCompatibility('s', undefined, history[2]!);
      assert.equal(last.compatible, !transitive, last.messages.join('\n'));
      if (transitive) assert.match(last.messages.join('\n'), /compatible with version 1: field "f"/);
    }
  });
}

test('messages name the field and the change in old → new terms', async () => {
  const registry = await Registry.open();
  await registry.register('s', record(a, { name: 'amount', type: ['null', 'double'], default: null }));
  const check = registry.testCompatibility(
    's',
    undefined,
    record(a, { name: 'amount', type: ['null', 'string'], default: null }),
  );
  assert.deepEqual(check.messages, [
    'the new schema is not BACKWARD compatible with version 1: field "amount" changed type from double to string ' +
      '(Avro only promotes int→long→float→double and string↔bytes)',
  ]);
  await registry.setCompatibility('s', 'FORWARD');
  const forward = registry.testCompatibility('s', undefined, record({ name: 'x', type: 'int' }));
  assert.deepEqual(forward.messages, [
    'the new schema is not FORWARD compatible with version 1: field "a" was removed, but the old schema ' +
      'has no default for it, so its readers cannot read new records',
  ]);
});

test('nested records, arrays, maps and unions are checked all the way down', async () => {
  const nested = (t: unknown) =>
    record({
      name: 'profile',
      type: {
        type: 'record',
        name: 'P',
        fields: [{ name: 'tags', type: { type: 'map', values: { type: 'array', items: t } } }],
      },
    });
  const registry = await Registry.open();
  await registry.register('s', nested('int'));
  assert.equal(registry.testCompatibility('s', undefined, nested('long')).compatible, true);
  const bad = registry.testCompatibility('s', undefined, nested('string'));
  assert.equal(bad.compatible, false);
  assert.match(bad.messages[0]!, /field "profile.tags" changed type from int to string/);
  // a writer union needs every branch readable; the reader union reads int through long
  assert.equal(registry.testCompatibility('s', undefined, nested(['null', 'long'])).compatible, true);
});

test('a decimal whose scale changes is refused (same bytes, other values)', async () => {
  const dec = (scale: number) =>
    record({ name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale } });
  const registry = await Registry.open();
  await registry.register('s', dec(2));
  assert.equal(registry.testCompatibility('s', undefined, dec(2)).compatible, true);
  assert.match(
    registry.testCompatibility('s', undefined, dec(3)).messages[0]!,
    /decimal scale changed from 2 to 3/,
  );
});
