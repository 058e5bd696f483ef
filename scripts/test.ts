// The whole test suite: unit and integration tests under src/ and test/, on Node's test runner.
// Integration suites that need a Kafka broker share one, started by the global setup before the
// first test file and stopped after the last (test/kafka/global-setup.ts).
import { spawnSync } from 'node:child_process';

const patterns = ['src/**/*.test.ts', 'test/**/*.test.ts'];
const result = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-global-setup=test/kafka/global-setup.ts',
    '--test-concurrency=2',
    '--test-reporter=spec',
    ...patterns,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
