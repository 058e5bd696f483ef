// The config center as a user drives it: weir serve, a token, weir publish / versions / rollback.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, idProject } from './id-project.ts';

const weir = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

test('publish a project, refuse a broken version with its config paths, list, diff and roll back', async () => {
  const dir = await idProject({});
  await mkdir(join(dir, 'udf'));
  await writeFile(join(dir, 'udf', 'tag.py'), 'def tag(r):\n    r["id"] = r["id"]\n    return r\n');
  const yaml = join(dir, 'weir.yaml');
  const base = await readFile(yaml, 'utf8');
  await writeFile(
    yaml,
    base.replace(
      '    parser: { json: {} }',
      '    parser: { json: {} }\n    extend: [{ udf: udf/tag.py#tag }]',
    ),
  );
  const made = weir(['token', 'create', dir, '--name', 'ann', '--role', 'editor']);
  assert.equal(made.status, 0, made.stderr);
  const token = made.stdout.trim();

  const server = spawn(process.execPath, [CLI, 'serve', dir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  server.stdout.on('data', (d) => (out += d));
  server.stderr.on('data', (d) => (out += d));
  try {
    for (let i = 0; i < 150 && !/config center at (\S+)\/projects/.test(out); i++)
      await new Promise((r) => setTimeout(r, 100));
    const url = /config center at (\S+)\/projects/.exec(out)?.[1];
    assert.ok(url, `weir serve did not start:\n${out}`);

    const anonymous = weir(['publish', dir, '--to', url, '--project', 'game']);
    assert.equal(anonymous.status, 1);
    assert.match(anonymous.stderr, /401: This server needs a token .* \(set WEIR_TOKEN\)/);

    const env = { WEIR_TOKEN: token };
    const first = weir(['publish', dir, '--to', url, '--project', 'game', '-m', 'first'], env);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^published game version 1 \(2 files, [0-9a-f]{12}\)$/m);

    await writeFile(
      yaml,
      (await readFile(yaml, 'utf8')).replace('sinks:\n  t: { table: t,', 'sinks:\n  t: { table: tt,'),
    );
    const broken = weir(['publish', dir, '--to', url, '--project', 'game'], env);
    assert.equal(broken.status, 1);
    // Checked here before it is sent; the center checks again (src/server/center/center.test.ts).
    assert.match(broken.stderr, /has 1 problem\(s\):\n {2}sinks\.t\.table: unknown table "tt"/);

    await writeFile(
      yaml,
      (await readFile(yaml, 'utf8'))
        .replace('{ table: tt,', '{ table: t,')
        .replace('format: parquet', 'format: json'),
    );
    // Another format for a table holding Parquet files: refused, unless accepted explicitly.
    const mixed = weir(['publish', dir, '--to', url, '--project', 'game', '-m', 'json files'], env);
    assert.equal(mixed.status, 1);
    assert.match(
      mixed.stderr,
      /409: .*--allow-incompatible.*\n {2}sinks\.t\.hive\.format: table db\.t holds parquet files/,
    );
    const second = weir(
      ['publish', dir, '--to', url, '--project', 'game', '-m', 'json files', '--allow-incompatible'],
      env,
    );
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /accepted incompatible change: sinks\.t\.hive\.format/);
    const diff = weir(['versions', '--from', url, '--project', 'game', '--diff', '1..2']);
    assert.match(
      diff.stdout,
      /- {2}t: \{ table: t, hive: \{ database: db, format: parquet \} \}\n\+ {2}t: \{ table: t, hive: \{ database: db, format: json \} \}/,
    );

    const back = weir(['rollback', '--from', url, '--project', 'game', '--to', '1'], env);
    assert.equal(back.status, 0, back.stderr);
    assert.match(back.stdout, /game: version 3 has the files of version 1/);
    const listed = weir(['versions', '--from', url, '--project', 'game']);
    assert.deepEqual(
      listed.stdout
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => l.replace(/ {2}\S+T\S+Z {2}/, '  <time>  ')),
      [
        '   1  <time>  ann  first',
        '   2  <time>  ann  json files',
        '        incompatible: sinks.t.hive.format: table db.t holds parquet files; json would mix two formats in it',
        '   3  <time>  ann  roll back to version 1',
        '        incompatible: sinks.t.hive.format: table db.t holds json files; parquet would mix two formats in it',
      ],
    );
  } finally {
    server.kill('SIGTERM');
  }
});
