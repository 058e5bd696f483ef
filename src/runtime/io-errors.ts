// Plain words for the file-system errors a job can hit while writing the warehouse.

const PLAIN: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EIO: 'the disk reported an I/O error',
  EMFILE: 'too many open files (raise the limit with ulimit -n)',
};

/** A one-line explanation of `e`, naming the path when the error carries one. */
export function explainError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const plain = err?.code ? PLAIN[err.code] : undefined;
  if (!plain) return err instanceof Error ? err.message : String(e);
  return `${plain}${err.path ? ` (${err.path})` : ''} — ${err.message}`;
}
