// Every example project in examples/ must load and validate (documented configs stay true).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadProject } from './load.ts';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
const projects = readdirSync(examples).filter((d) => existsSync(join(examples, d, 'weir.yaml')));

test('there are example projects', () => {
  assert.ok(projects.includes('minimal') && projects.includes('tour'), `found: ${projects.join(', ')}`);
});

for (const name of projects) {
  test(`examples/${name}/weir.yaml validates`, async () => {
    const result = await loadProject(join(examples, name));
    if (!result.ok) assert.fail(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    assert.ok(result.project.tables.length > 0);
    assert.ok(result.project.sinks.length > 0);
  });
}
