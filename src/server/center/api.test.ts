// The route table is the one truth about the center's API: the server serves exactly its routes,
// enforces its roles, and docs/config-center.md shows it as it is.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createApp, roleNeeded } from '../app.ts';
import { Registry } from '../registry/store.ts';
import { CENTER_API, withCenterApi } from './api.ts';
import { ConfigStore } from './store.ts';

const PAGE = new URL('../../../docs/config-center.md', import.meta.url);

test('docs/config-center.md shows the current API reference (regenerate with `node scripts/docs.ts`)', () => {
  const page = readFileSync(PAGE, 'utf8');
  assert.equal(page, withCenterApi(page));
  for (const r of CENTER_API) assert.ok(page.includes(`| \`${r.method} ${r.path}\` |`), r.path);
});

test('the server serves exactly the routes of the table under /projects, with the roles it gives', async () => {
  const app = createApp({ registry: await Registry.open(), center: ConfigStore.open(':memory:') });
  const served = app.routes
    .filter((r) => r.path.startsWith('/projects') && r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path}`)
    .sort();
  assert.deepEqual(served, CENTER_API.map((r) => `${r.method} ${r.path}`).sort());
  for (const r of CENTER_API) {
    const path = r.path.replace(':name', 'game').replace(':version', '2').replace(':id', 'h-1');
    assert.equal(roleNeeded(r.method, path), r.role, `${r.method} ${path}`);
  }
});
