// API tokens with roles: stored as hashes, re-read when the file changes, and every write endpoint
// of the app (taken from its route table, so a new route is covered) answers 401 without a token
// and 403 to a role too small.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createApp, roleNeeded } from './app.ts';
import { ConfigStore } from './center/store.ts';
import { Registry } from './registry/store.ts';
import { allows, createToken, ROLES, readTokens, revokeToken, tokenCheck } from './tokens.ts';

const dir = mkdtempSync(join(tmpdir(), 'weir-tokens-'));
after(() => rm(dir, { recursive: true, force: true }));

test('a token is shown once and stored only as its hash; revoked, it is unknown at once', async () => {
  const file = join(dir, 'a', 'tokens.json');
  const check = tokenCheck(file);
  assert.equal(await check.configured(), false);
  const { token, entry } = await createToken(file, 'ci', 'editor');
  assert.match(token, /^weir_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
  const text = await readFile(file, 'utf8');
  assert.ok(!text.includes(token.slice(14)), 'the token itself is not in the file');
  assert.deepEqual(await readTokens(file), [entry]);
  assert.equal(await check.configured(), true);
  assert.deepEqual(await check.caller(token), { name: 'ci', role: 'editor' });
  assert.equal(await check.caller(`${token}x`), null);
  await assert.rejects(createToken(file, 'ci', 'admin'), /a token named "ci" exists/);
  assert.equal(await revokeToken(file, entry.id), true);
  assert.equal(await check.caller(token), null);
  assert.equal(await revokeToken(file, 'ci'), false);
});

test('a tokens file of another format, or cut short, is refused naming the file', async () => {
  const file = join(dir, 'bad.json');
  await writeFile(file, '{"format": 2, "tokens": []}');
  await assert.rejects(readTokens(file), new RegExp(`${file} has format 2; this Weir reads format 1`));
  await writeFile(file, '{"format": 1, "tok');
  await assert.rejects(readTokens(file), /is not JSON \(truncated\?\)/);
});

/** Every route of the app that is not a read, with its parameters filled in. */
function writeRoutes(app: ReturnType<typeof createApp>): { method: string; path: string }[] {
  const seen = new Set<string>();
  return app.routes
    .filter((r) => !['GET', 'HEAD', 'OPTIONS', 'ALL'].includes(r.method))
    .map((r) => ({
      method: r.method,
      path: r.path.replace(/:subject/g, 'pay-value').replace(/:version/g, '1'),
    }))
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`) !== undefined);
}

test('every write endpoint: 401 without a token, 403 with a role too small, through with enough', async () => {
  const file = join(dir, 'roles', 'tokens.json');
  const app = createApp({
    registry: await Registry.open(),
    tokens: tokenCheck(file),
    center: ConfigStore.open(':memory:'),
  });
  const given = {} as Record<(typeof ROLES)[number], string>;
  for (const role of ROLES) given[role] = (await createToken(file, role, role)).token;
  const routes = writeRoutes(app);
  assert.ok(
    routes.length >= 11,
    `the registry's write routes: ${routes.map((r) => `${r.method} ${r.path}`)}`,
  );
  const call = (r: { method: string; path: string }, token?: string) =>
    app.request(r.path, {
      method: r.method,
      body: r.method === 'DELETE' ? undefined : '{}',
      headers: {
        'content-type': 'application/vnd.schemaregistry.v1+json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
  for (const r of routes) {
    const needed = roleNeeded(r.method, r.path)!;
    assert.notEqual(needed, null, `${r.method} ${r.path} is a write`);
    const none = await call(r);
    assert.equal(none.status, 401, `${r.method} ${r.path} without a token`);
    for (const role of ROLES) {
      const res = await call(r, given[role]);
      if (allows(role, needed))
        assert.ok(![401, 403].includes(res.status), `${r.method} ${r.path} as ${role}: ${res.status}`);
      else {
        assert.equal(res.status, 403, `${r.method} ${r.path} as ${role}`);
        assert.match(
          ((await res.json()) as { message: string }).message,
          new RegExp(`has role ${role}; .* needs role ${needed}`),
        );
      }
    }
  }
  assert.equal((await app.request('/subjects')).status, 200, 'reads need no token');
});

test('without any token configured, writes need none (the server then listens on loopback only)', async () => {
  const app = createApp({
    registry: await Registry.open(),
    tokens: tokenCheck(join(dir, 'none', 'tokens.json')),
  });
  const res = await app.request('/config', {
    method: 'PUT',
    body: JSON.stringify({ compatibility: 'FULL' }),
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
  });
  assert.equal(res.status, 200);
});
