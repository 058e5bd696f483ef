// Plain-language Kafka client errors: the client nests broker errors (MultipleErrors →
// ResponseError → ProtocolError); users need the broker's error name and text in one line.
import { findErrorBy } from '@platformatic/kafka';

/** True when the error (or one nested in it) is the broker error `apiId`, e.g. 'TOPIC_ALREADY_EXISTS'. */
export function isKafkaError(error: unknown, apiId: string): boolean {
  return error instanceof Error && findErrorBy(error, 'apiId', apiId) !== null;
}

/** Wraps a client error in one whose message names what Weir was doing and every nested cause. */
export function kafkaError(doing: string, error: unknown): Error {
  return new Error(`${doing}: ${describe(error)}`, { cause: error });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const parts = new Set<string>();
  const visit = (e: unknown, depth: number) => {
    if (!(e instanceof Error) || depth > 5) return;
    const apiId = (e as { apiId?: unknown }).apiId;
    const nested = e instanceof AggregateError ? e.errors : [];
    if (typeof apiId === 'string') parts.add(`${apiId}: ${e.message}`);
    else if (nested.length === 0) parts.add(e.message);
    for (const inner of nested) visit(inner, depth + 1);
    if (e.cause) visit(e.cause, depth + 1);
  };
  visit(error, 0);
  return parts.size > 0 ? [...parts].join('; ') : error.message;
}
