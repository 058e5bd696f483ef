// Raw records from a whole buffer of newline-separated text (preview and tests; the file source
// streams instead). Positions are the split name, the byte offset of the line and its number.
import type { RawRecord } from '../core/record.ts';

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Every line (a final line without newline included; a trailing empty line is not a record). CRLF is accepted. */
export function rawRecordsOf(bytes: Uint8Array, split: string): RawRecord[] {
  const out: RawRecord[] = [];
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    const next = end < 0 ? bytes.length : end + 1;
    if (end < 0) end = bytes.length;
    const stop = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    const slice = bytes.subarray(start, stop);
    line++;
    out.push({ bytes: slice, text: decoder.decode(slice), position: { split, offset: start, line } });
    start = next;
  }
  return out;
}
