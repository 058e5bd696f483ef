// The layering the component contract relies on, checked on the import statements of the source:
// the runtime drives sinks only through the registry and the contract (it imports no sink kind,
// no warehouse writer and no Kafka producer by name), sinks do not reach back into the runtime, and
// the config model imports nothing from the runtime.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve(import.meta.dirname);

/** Every .ts file (tests excluded) under `dir`, with the project-relative paths it imports. */
function imports(dir: string): { file: string; target: string }[] {
  const out: { file: string; target: string }[] = [];
  for (const entry of readdirSync(join(SRC, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      out.push({ file: relative(SRC, file), target: relative(SRC, resolve(dirname(file), m[1]!)) });
    }
  }
  return out;
}

const offending = (dir: string, allowed: (target: string) => boolean) =>
  imports(dir)
    .filter(({ target }) => !allowed(target))
    .map(({ file, target }) => `${file} imports ${target}`);

test('the runtime imports sinks only through the registry, the contract and recovery', () => {
  const sinkApi = new Set(['sinks/registry.ts', 'sinks/contract.ts', 'sinks/recovery.ts']);
  // Kafka sources share the admin client and Avro decoding with the sinks; producing is the sinks' own.
  const kafkaSinkParts = ['connectors/kafka/producer.ts'];
  assert.deepEqual(
    offending('runtime', (t) => {
      if (t.startsWith('sinks/')) return sinkApi.has(t);
      if (t.startsWith('connectors/warehouse/')) return false;
      return !kafkaSinkParts.includes(t);
    }),
    [],
  );
});

test('sinks and the config model do not import the runtime', () => {
  assert.deepEqual(
    offending('sinks', (t) => !t.startsWith('runtime/')),
    [],
  );
  assert.deepEqual(
    offending('config', (t) => !t.startsWith('runtime/')),
    [],
  );
});
