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

// The tour's sample data shows each table working, so it must give no error records (its program
// table's filter once matched the oplog lines too, whose bodies hold "level": 3).
test('examples/tour: its sample data gives rows and no error records', async () => {
  const { readFile, readdir } = await import('node:fs/promises');
  const { rawRecordsOf } = await import('../runtime/lines.ts');
  const { previewProject } = await import('../runtime/preview.ts');
  const dir = join(examples, 'tour');
  const loaded = await loadProject(dir);
  assert.ok(loaded.ok);
  const data = join(dir, 'data');
  const records = [];
  for (const f of await readdir(data)) records.push(...rawRecordsOf(await readFile(join(data, f)), f));
  const report = await previewProject(loaded.project, records);
  for (const [name, t] of Object.entries(report.tables)) {
    assert.deepEqual(
      t.errors.map((e) => `${e.code}: ${e.message}`),
      [],
      `table ${name}`,
    );
    assert.ok(t.rows.length > 0, `table ${name} has rows`);
  }
});

// The commands the example READMEs tell users to type, where they only read the project
// (validate, preview, ddl, schema), run as written (examples/oplog's preview once lacked --input).
test('the read-only weir commands in the example READMEs run as written', async () => {
  const { readFileSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const cli = join(root, 'src', 'cli', 'main.ts');
  const commands: string[] = [];
  for (const name of projects) {
    const readme = join(examples, name, 'README.md');
    if (!existsSync(readme)) continue;
    for (const line of readFileSync(readme, 'utf8').split('\n')) {
      const m = /^\s*(?:\$ )?weir ((?:validate|preview|ddl|schema)\b[^&|#]*)/.exec(line);
      if (m) commands.push(m[1]!.trim());
    }
  }
  assert.ok(commands.length > 0);
  for (const command of commands) {
    const r = spawnSync(process.execPath, [cli, ...command.split(/\s+/)], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, `weir ${command}:\n${r.stderr}`);
  }
});
