// scripts/kafka.ts pieces that need no broker: tool checks and settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerFiles, kafkaVersion, newClusterId, portFromEnv, requireTool } from '../../scripts/kafka.ts';

function withEnv(name: string, value: string | undefined, fn: () => void): void {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    fn();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

test('a machine without Java or Maven gets a plain error naming the missing tool', () => {
  withEnv('PATH', '/nonexistent', () => {
    assert.throws(
      () => requireTool('java'),
      /needs Java 17 or newer \(`java`\) on the PATH, and it was not found/,
    );
    assert.throws(() => requireTool('mvn'), /needs Apache Maven \(`mvn`\) on the PATH/);
  });
});

test('the port comes from WEIR_KAFKA_PORT, default 9092; files are per port', () => {
  withEnv('WEIR_KAFKA_PORT', undefined, () => assert.equal(portFromEnv(), 9092));
  withEnv('WEIR_KAFKA_PORT', '29092', () => assert.equal(portFromEnv(), 29092));
  withEnv('WEIR_KAFKA_PORT', 'kafka', () =>
    assert.throws(() => portFromEnv(), /WEIR_KAFKA_PORT must be a port number/),
  );
  assert.match(brokerFiles(29092).dataDir, /\.cache\/kafka\/data-29092$/);
  assert.match(kafkaVersion(), /^4\.\d+\.\d+$/, 'the pom pins a Kafka 4.x version');
});

test('cluster ids are 16 bytes of base64url and never look like an option to the storage tool', () => {
  const ids = Array.from({ length: 5_000 }, newClusterId);
  for (const id of ids) {
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    assert.equal(Buffer.from(id, 'base64url').length, 16);
  }
  assert.ok(new Set(ids).size === ids.length, 'ids are random');
});
