import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type FailureKind,
  FencedError,
  failureKind,
  failureOfKind,
  RetriableError,
  WorkerSetupError,
} from './job-errors.ts';

const errno = (code: string) => Object.assign(new Error(code), { code });

test('each failure has its kind, and keeps it across a thread boundary (kind + message only)', () => {
  const cases: [Error, FailureKind][] = [
    [new WorkerSetupError('tables.t.parser: bad regex'), 'setup'],
    [errno('EBUSY'), 'retriable'],
    [errno('ESTALE'), 'retriable'],
    [new RetriableError('from a thread'), 'retriable'],
    [new FencedError('checkpoint 4 of worker 2 was fenced'), 'fenced'],
    [errno('ENOSPC'), 'fatal'],
    [new TypeError('a bug'), 'fatal'],
  ];
  for (const [e, kind] of cases) {
    assert.equal(failureKind(e), kind, e.message);
    const across = failureOfKind(failureKind(e), e.message);
    assert.equal(failureKind(across), kind, `${e.message} after crossing`);
    assert.equal(across.message, e.message);
  }
});
