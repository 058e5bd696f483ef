import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createGzip } from 'node:zlib';
import { type GenerateOptions, generate } from './gamelogs.ts';

/** Streams `count` generated lines to a file (gzip when it ends in .gz); returns the bytes of text written. */
export async function writeGenerated(
  path: string,
  count: number,
  opts: GenerateOptions = {},
): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const file = createWriteStream(path);
  const gzip = path.endsWith('.gz') ? createGzip() : null;
  const out = gzip ?? file;
  if (gzip) gzip.pipe(file);
  const it = generate(opts);
  let bytes = 0;
  let chunk: string[] = [];
  for (let i = 0; i < count; i++) {
    chunk.push(it.next().value!.line);
    if (chunk.length === 1000 || i === count - 1) {
      const text = `${chunk.join('\n')}\n`;
      bytes += Buffer.byteLength(text);
      chunk = [];
      if (!out.write(text)) await once(out, 'drain');
    }
  }
  out.end();
  await once(file, 'close');
  return bytes;
}
