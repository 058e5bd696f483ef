// Avro messages as JSON text for the Kafka source (format: avro), which hands records to the parser
// as text. Logical types become their exact text forms, so the declared column types read them as
// written, whatever client produced them:
//   decimal → "1.01" (a string: a JSON number would lose digits)    date → "2025-11-25"
//   timestamp-millis/micros → "2025-11-25 10:00:01.123456Z" (an instant)
//   local-timestamp-millis/micros → "2025-11-25 10:00:01.123456" (a wall clock)
//   time-millis/micros → "10:00:01.123456"    long → an exact JSON integer    bytes/fixed → base64
import avro from 'avsc';
import { civilFromDays } from '../../expr/time.ts';
import { BigLongType, decodeTwosComplement } from './avro.ts';

type AvscSchema = Parameters<typeof avro.Type.forSchema>[0];

const pad = (n: bigint | number, width: number) => String(n).padStart(width, '0');
const MICROS_PER_DAY = 86_400_000_000n;

function timeOfDay(micros: bigint, digits: 3 | 6): string {
  const s = micros / 1_000_000n;
  const fraction = micros % 1_000_000n;
  const clock = `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}`;
  if (fraction === 0n) return clock;
  return `${clock}.${digits === 3 ? pad(fraction / 1000n, 3) : pad(fraction, 6)}`;
}

/** Exact `yyyy-MM-dd HH:mm:ss[.SSS|.SSSSSS]` of micros since the epoch (BigInt: no rounding). */
function timestampText(micros: bigint, digits: 3 | 6): string {
  let days = micros / MICROS_PER_DAY;
  let rest = micros % MICROS_PER_DAY;
  if (rest < 0n) {
    days -= 1n;
    rest += MICROS_PER_DAY;
  }
  return `${dateText(Number(days))} ${timeOfDay(rest, digits)}`;
}

function dateText(days: number): string {
  const { y, m, d } = civilFromDays(days);
  const year = y >= 0 && y <= 9999 ? pad(y, 4) : y < 0 ? `-${pad(-y, 4)}` : `+${y}`;
  return `${year}-${pad(m, 2)}-${pad(d, 2)}`;
}

function textType(toText: (v: unknown, schema: Record<string, unknown>) => string) {
  return class TextType extends avro.types.LogicalType {
    readonly #schema: Record<string, unknown>;
    constructor(schema: AvscSchema, opts?: unknown) {
      super(schema, opts);
      this.#schema = schema as Record<string, unknown>;
    }
    protected override _fromValue(v: unknown): string {
      return toText(v, this.#schema);
    }
    protected override _toValue(): never {
      throw new Error('the Avro source only decodes');
    }
  };
}

const micros = (unit: bigint) => (v: unknown) => BigInt(v as bigint | number) * unit;

const DECODE_AS_TEXT = {
  decimal: textType((v, schema) => {
    const unscaled = decodeTwosComplement(v as Buffer);
    const scale = Number(schema.scale ?? 0);
    const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
    const sign = unscaled < 0n ? '-' : '';
    return scale === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }),
  date: textType((v) => dateText(Number(v))),
  'time-millis': textType((v) => timeOfDay(micros(1000n)(v), 3)),
  'time-micros': textType((v) => timeOfDay(micros(1n)(v), 6)),
  'timestamp-millis': textType((v) => `${timestampText(micros(1000n)(v), 3)}Z`),
  'timestamp-micros': textType((v) => `${timestampText(micros(1n)(v), 6)}Z`),
  'local-timestamp-millis': textType((v) => timestampText(micros(1000n)(v), 3)),
  'local-timestamp-micros': textType((v) => timestampText(micros(1n)(v), 6)),
};

/** Decodes the Avro binary of one record with its writer schema to JSON text. */
export type AvroJsonDecode = (payload: Buffer) => string;

export function avroJsonDecoder(schema: object): AvroJsonDecode {
  const type = avro.Type.forSchema(schema as AvscSchema, {
    logicalTypes: DECODE_AS_TEXT as never,
    registry: { long: BigLongType },
    wrapUnions: false,
  });
  if (type.typeName !== 'record') throw new Error(`the Avro schema must be a record, not ${type.typeName}`);
  return (payload) =>
    JSON.stringify(type.fromBuffer(payload), function (key, v) {
      if (typeof v === 'bigint') return JSON.rawJSON(v.toString());
      // JSON.stringify has already called Buffer's toJSON: look at the value itself
      const raw = key === '' ? v : (this as Record<string, unknown>)[key];
      if (raw instanceof Uint8Array) return Buffer.from(raw).toString('base64');
      return v;
    });
}
