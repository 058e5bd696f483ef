// Confluent's wire format and a small schema registry client: the Avro Kafka sink registers its
// table's schema (after a compatibility check) and frames every row; the Avro source decodes frames
// with the writer schema fetched by id.
import type { Row } from '../../core/record.ts';
import type { Column } from '../../core/types.ts';
import { avroRecordName, avroSchema } from '../../types/avro.ts';
import { avroCodec } from './avro.ts';
import { type AvroJsonDecode, avroJsonDecoder } from './avro-json.ts';

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;
const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Magic byte 0, the schema id (4 bytes, big-endian), then the payload. */
export function frame(id: number, payload: Uint8Array): Buffer {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff)
    throw new Error(`schema id ${id} does not fit in 4 bytes`);
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(id, 1);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Splits a Confluent frame; throws a plain Error when the bytes are not one. */
export function unframe(buf: Uint8Array): { id: number; payload: Buffer } {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEADER_BYTES) {
    throw new Error(
      `the message is ${b.length} bytes, too short for Confluent's Avro framing (magic byte + 4-byte schema id)`,
    );
  }
  if (b[0] !== MAGIC_BYTE) {
    throw new Error(
      `the message does not start with Confluent's magic byte 0 (got ${b[0]}); is the topic really Avro?`,
    );
  }
  return { id: b.readUInt32BE(1), payload: b.subarray(HEADER_BYTES) };
}

/** A tiny client of the Confluent Schema Registry REST API (Weir's own registry or Confluent's). */
export class RegistryClient {
  readonly url: string;
  private readonly schemas = new Map<number, Promise<string>>();

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  /** Registers the Avro schema under `subject`; returns its global id. */
  async register(subject: string, schema: object | string): Promise<number> {
    const body = { schema: typeof schema === 'string' ? schema : JSON.stringify(schema) };
    const res = (await this.call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, body)) as {
      id: number;
    };
    return res.id;
  }

  /** The schema text with this id (cached: ids never change meaning). */
  schemaById(id: number): Promise<string> {
    let found = this.schemas.get(id);
    if (!found) {
      found = this.call('GET', `/schemas/ids/${id}`).then((r) => (r as { schema: string }).schema);
      this.schemas.set(id, found);
      found.catch(() => this.schemas.delete(id)); // a failed fetch is retried next time
    }
    return found;
  }

  /** Would `subject` accept this schema, under its compatibility level? With the reasons when not. */
  async checkCompatibility(
    subject: string,
    schema: object | string,
  ): Promise<{ compatible: boolean; messages: string[] }> {
    const body = { schema: typeof schema === 'string' ? schema : JSON.stringify(schema) };
    try {
      const res = (await this.call(
        'POST',
        `/compatibility/subjects/${encodeURIComponent(subject)}/versions?verbose=true`,
        body,
      )) as { is_compatible: boolean; messages?: string[] };
      return { compatible: res.is_compatible, messages: res.messages ?? [] };
    } catch (err) {
      // a registry without the subject yet: everything is compatible
      if ((err as RegistryClientError).errorCode === 40401) return { compatible: true, messages: [] };
      throw err;
    }
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: {
          accept: CONTENT_TYPE,
          ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }),
          // A registry started with WEIR_TOKEN (weir serve) takes changes only with the token.
          ...(process.env.WEIR_TOKEN ? { authorization: `Bearer ${process.env.WEIR_TOKEN}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      throw new RegistryClientError(
        `cannot reach the schema registry at ${this.url}: ${cause}`,
        undefined,
        err,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RegistryClientError(
        `the schema registry at ${this.url} answered ${method} ${path} with HTTP ${res.status} and a body that is not JSON`,
      );
    }
    if (!res.ok) {
      const e = json as { error_code?: number; message?: string };
      throw new RegistryClientError(
        `the schema registry at ${this.url} refused ${method} ${path.split('?')[0]}: ${e.message ?? `HTTP ${res.status}`}`,
        e.error_code,
      );
    }
    return json;
  }
}

export class RegistryClientError extends Error {
  readonly errorCode: number | undefined;
  constructor(message: string, errorCode?: number, cause?: unknown) {
    super(message, { cause });
    this.name = 'RegistryClientError';
    this.errorCode = errorCode;
  }
}

export interface AvroSinkEncoder {
  /** The schema id the sink's messages carry. */
  id: number;
  schema: object;
  /** The Confluent-framed Avro of a row. */
  encode(row: Row): Buffer;
}

export interface AvroSinkOptions {
  /** The Avro record name; default: the subject without `-value`, made a valid name. */
  recordName?: string;
  /** Named in error messages; default: the subject. */
  sink?: string;
}

/**
 * Prepares an Avro Kafka sink before it writes anything: derives the Avro schema from the columns,
 * checks it against the subject's compatibility level, registers it, and returns the encoder.
 * An incompatible table change throws an Error naming the sink, the version, the field and the rule.
 */
export async function prepareAvroSink(
  registryUrl: string,
  subject: string,
  columns: Column[],
  opts: AvroSinkOptions = {},
): Promise<AvroSinkEncoder> {
  const label = opts.sink !== undefined ? `sink ${opts.sink}` : `subject ${subject}`;
  const recordName = opts.recordName ?? avroRecordName(subject.replace(/-value$/, ''));
  const schema = avroSchema(recordName, columns);
  const client = new RegistryClient(registryUrl);
  const check = await client.checkCompatibility(subject, schema).catch((err: Error) => {
    throw new Error(`${label}: ${err.message}`, { cause: err });
  });
  if (!check.compatible) {
    throw new Error(`${label}: ${check.messages.join('; ') || 'the new schema is not compatible'}`);
  }
  const id = await client.register(subject, schema).catch((err: Error) => {
    throw new Error(`${label}: ${err.message}`, { cause: err });
  });
  const codec = avroCodec(schema);
  return { id, schema, encode: (row) => frame(id, codec.encode(row)) };
}

export interface AvroDecoder {
  /** The record of a Confluent-framed Avro message as JSON text (src/connectors/kafka/avro-json.ts), decoded with its writer schema. */
  decode(buf: Uint8Array): Promise<string>;
}

/** Decodes Confluent-framed Avro for the Avro source; writer schemas are fetched by id and cached. */
export function createAvroDecoder(registryUrl: string): AvroDecoder {
  const client = new RegistryClient(registryUrl);
  const decoders = new Map<number, Promise<AvroJsonDecode>>();
  const decoderFor = (id: number) => {
    let c = decoders.get(id);
    if (!c) {
      c = client.schemaById(id).then((text) => avroJsonDecoder(JSON.parse(text)));
      decoders.set(id, c);
      c.catch(() => decoders.delete(id));
    }
    return c;
  };
  return {
    async decode(buf) {
      const { id, payload } = unframe(buf);
      const decode = await decoderFor(id);
      try {
        return decode(payload);
      } catch (err) {
        throw new Error(
          `the message does not decode with its writer schema ${id}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
    },
  };
}
