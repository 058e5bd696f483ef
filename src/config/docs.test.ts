import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderConfigDocs } from './docs.ts';

const DOCS = new URL('../../docs/config.md', import.meta.url);

test('docs/config.md is current (regenerate with `node scripts/docs.ts`)', () => {
  assert.equal(readFileSync(DOCS, 'utf8'), renderConfigDocs());
});

test('the reference lists fields with their type, default and description', () => {
  const md = renderConfigDocs();
  assert.match(md, /^## `tables\.<name>`$/m);
  assert.match(md, /^\| `source` \| string \| \*\*required\*\* \| the source this table reads \|$/m);
  assert.match(md, /^\| `format` \| `"parquet"` or `"json"` or `"text"` \| `"parquet"` \| file format \|$/m);
  assert.match(md, /^## `tables\.<name>\.parser\.csv`$/m);
  assert.match(md, /^## `sinks\.<name>\.hive\.rolling`$/m);
});
