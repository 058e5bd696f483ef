// How a worker's failure is handled, kept as a tag when it crosses threads:
//   setup      its configuration cannot work: the run stops, retrying cannot help;
//   retriable  a passing condition of the machine or a server: the worker starts again from its
//              last checkpoint after a growing pause;
//   fenced     it may no longer own its input (a consumer group moved its partitions on): it drops
//              its uncommitted work and rejoins from the checkpoints after a short fixed pause;
//   fatal      anything else (a full disk, a bug, bad data that cannot become an error record):
//              the run stops with the cause.
// End of input is no failure: a worker that read its input to the end returns its counters.
export type FailureKind = 'setup' | 'retriable' | 'fenced' | 'fatal';

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

/** A worker that could not start because of its configuration: retrying does not help. */
export class WorkerSetupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkerSetupError';
  }
}

/** A failure that arrived from another thread tagged `retriable` (its errno code is lost there). */
export class RetriableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetriableError';
  }
}

/** A worker found it may no longer own its input; it drops its uncommitted work and rejoins. */
export class FencedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FencedError';
  }
}

export function isRetriable(e: unknown): boolean {
  if (e instanceof RetriableError) return true;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && PASSING.has(code);
}

export function failureKind(e: unknown): FailureKind {
  if (e instanceof WorkerSetupError) return 'setup';
  if (e instanceof FencedError) return 'fenced';
  return isRetriable(e) ? 'retriable' : 'fatal';
}

/** The error a failure tagged `kind` becomes again on this side of a thread boundary. */
export function failureOfKind(kind: FailureKind, message: string): Error {
  if (kind === 'setup') return new WorkerSetupError(message);
  if (kind === 'retriable') return new RetriableError(message);
  if (kind === 'fenced') return new FencedError(message);
  return new Error(message);
}
