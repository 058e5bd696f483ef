import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StageError } from '../../core/errors.ts';
import { compileFlatten, type FlattenConfig } from './flatten.ts';

const cfg = (over: Partial<FlattenConfig>): FlattenConfig => ({
  field: 'role',
  separator: '_',
  max_depth: 8,
  arrays: 'keep',
  keep_original: false,
  ...over,
});

test('nested objects become prefixed top-level fields; the original goes', () => {
  const f = compileFlatten(cfg({}));
  const rec = { role_id: 1, role: { level: 3, vip: { lv: 2, exp: null }, tags: ['a', 'b'] } };
  assert.deepEqual(f(rec), {
    role_id: 1,
    role_level: 3,
    role_vip_lv: 2,
    role_vip_exp: null,
    role_tags: ['a', 'b'],
  });
  assert.deepEqual(compileFlatten(cfg({ prefix: 'r.', separator: '.', keep_original: true }))(rec), {
    ...rec,
    'r.level': 3,
    'r.vip.lv': 2,
    'r.vip.exp': null,
    'r.tags': ['a', 'b'],
  });
});

test('max_depth keeps deeper values as nested objects in the last field', () => {
  const rec = { role: { level: 3, vip: { lv: 2, box: { x: 1 } } } };
  assert.deepEqual(compileFlatten(cfg({ max_depth: 1 }))(rec), {
    role_level: 3,
    role_vip: { lv: 2, box: { x: 1 } },
  });
  assert.deepEqual(compileFlatten(cfg({ max_depth: 2 }))(rec), {
    role_level: 3,
    role_vip_lv: 2,
    role_vip_box: { x: 1 },
  });
});

test('arrays: index explodes them (also nested and at the top)', () => {
  const f = compileFlatten(cfg({ arrays: 'index' }));
  assert.deepEqual(f({ role: { items: [{ id: 7 }, 'x'], n: [] } }), {
    role_items_0_id: 7,
    role_items_1: 'x',
  });
  assert.deepEqual(f({ role: [10, 20] }), { role_0: 10, role_1: 20 });
  assert.deepEqual(compileFlatten(cfg({}))({ role: [10, 20] }), { role: [10, 20] });
});

test('missing, null and scalar fields are left alone', () => {
  const f = compileFlatten(cfg({}));
  for (const rec of [{ a: 1 }, { role: null }, { role: 'x' }, { role: 12345678901234567890n }]) {
    assert.deepEqual(f(rec), rec);
  }
});

test('1,000-deep and 100,000-deep input does not overflow', () => {
  let deep: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  const out = compileFlatten(cfg({ max_depth: 200_000 }))({ role: deep });
  assert.equal(out[`role_${'a_'.repeat(100_000)}leaf`], 1);
  const bounded = compileFlatten(cfg({ max_depth: 3 }))({ role: deep });
  assert.deepEqual(Object.keys(bounded), ['role_a_a_a']);
});

test('unicode, NUL and __proto__ keys stay plain own fields', () => {
  const rec = JSON.parse('{"role":{"勇者":{"\\u0000":1},"__proto__":{"x":2}}}');
  const out = compileFlatten(cfg({}))(rec);
  assert.deepEqual(Object.keys(out), ['role_勇者_\u0000', 'role___proto___x']);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
});

test('a flattened name the record already has is EXTEND_FLATTEN, not a silent overwrite', () => {
  const f = compileFlatten(cfg({}));
  assert.throws(
    () => f({ role_id: 4, role: { id: 5 } }),
    (e: unknown) =>
      e instanceof StageError &&
      e.code === 'EXTEND_FLATTEN' &&
      e.field === 'role_id' &&
      e.message.includes('"role_id"'),
  );
  // two nested paths joined into one name collide as well
  assert.throws(() => f({ role: { a_b: 1, a: { b: 2 } } }), /"role_a_b"/);
  // keep_original with an empty prefix: a key named like the field itself
  assert.throws(
    () => compileFlatten(cfg({ prefix: '', keep_original: true }))({ role: { role: 1 } }),
    /"role"/,
  );
  assert.deepEqual(compileFlatten(cfg({ prefix: 'r_' }))({ role_id: 4, role: { id: 5 } }), {
    role_id: 4,
    r_id: 5,
  });
});
