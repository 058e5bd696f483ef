// How a worker's failure is handled, kept as a tag when it crosses threads: `setup` (its
// configuration cannot work), `retriable` (a passing condition of the machine: the worker starts
// again from its last checkpoint after a pause) or `fatal` (the run stops with the cause).
export type FailureKind = 'setup' | 'retriable' | 'fatal';

/**
 * File-system conditions that pass by themselves (a busy or briefly unavailable file, a network
 * file system timing out, too many open files while others close). A full or read-only disk, a
 * permission or an I/O error needs a person, so it stops the run with the cause.
 */
const PASSING = new Set([
  'EAGAIN',
  'EBUSY',
  'EINTR',
  'EMFILE',
  'ENFILE',
  'ETIMEDOUT',
  'ESTALE',
  'ECONNRESET',
]);

/** A failure that arrived from another thread tagged `retriable` (its errno code is lost there). */
export class RetriableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetriableError';
  }
}

export function isRetriable(e: unknown): boolean {
  if (e instanceof RetriableError) return true;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && PASSING.has(code);
}
