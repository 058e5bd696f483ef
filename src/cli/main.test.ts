import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

test('weir --help lists the commands', () => {
  const r = spawnSync(process.execPath, ['bin/weir.js', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Usage: weir <command>/);
  assert.match(r.stdout, /validate/);
});

test('an unknown command exits 2 with help', () => {
  const r = spawnSync(process.execPath, ['bin/weir.js', 'frobnicate'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command "frobnicate"/);
});

test('an unknown option is a plain message plus the help, exit 2, for commands that used to crash on it', () => {
  for (const cmd of ['run', 'errors', 'generate', 'sql']) {
    const r = spawnSync(process.execPath, ['bin/weir.js', cmd, '--nope'], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${cmd}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^weir ${cmd}: Unknown option '--nope'`), cmd);
    assert.match(r.stderr, new RegExp(`^Usage: weir ${cmd}`, 'm'), cmd);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, `${cmd}: no stack trace`);
  }
});
