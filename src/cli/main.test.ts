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
