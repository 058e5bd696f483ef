// The whole test suite: unit and integration tests under src/ and test/, on Node's test runner.
// Integration suites that need a Kafka broker start one through scripts/kafka.ts.
import { spawnSync } from 'node:child_process';

const patterns = ['src/**/*.test.ts', 'test/**/*.test.ts'];
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-reporter=spec', ...patterns, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
