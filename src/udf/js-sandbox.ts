// The JS UDF sandbox process: it holds the isolates of a project's JS UDFs for one thread of the
// job (js-host.ts starts it). V8 ends some out-of-memory cases in an isolate by losing the isolate,
// and then the process must end too; here that ends only this process: it tells the host which
// record was running and exits, and the host fails that record and runs the others again.
import { deserialize, serialize } from 'node:v8';
import { BATCH_FD, readBatch, writeBatch } from './batch-file.ts';
import type { JsRequest, JsResponse } from './js-protocol.ts';
import { type JsUdf, openJsUdf } from './js-runner.ts';

const udfs = new Map<number, JsUdf>();
/** The request being served and the UDF it runs. */
let serving: { id: number; udf: JsUdf | undefined } | null = null;
let batch: Buffer = Buffer.allocUnsafe(1 << 20);

const send = (res: JsResponse, then?: () => void) => process.send?.(res, undefined, {}, then);

// The host going away (its process ended or it closed the channel) ends this process.
process.on('disconnect', () => process.exit(0));

function lost(message: string): void {
  const record = serving?.udf?.position() ?? -1;
  // process.exit would wait for the lost isolate forever; the host kills this process on this
  // message (as the first process of its own PID namespace, it cannot kill itself).
  send({ id: serving?.id ?? 0, lost: message, record }, () => process.kill(process.pid, 'SIGKILL'));
}

async function serve(req: JsRequest): Promise<JsResponse> {
  if (req.op === 'load') {
    udfs.get(req.udfId)?.close();
    udfs.set(req.udfId, await openJsUdf(req.spec, lost));
    return { id: req.id, ok: true };
  }
  const udf = udfs.get(req.udfId);
  if (req.op === 'unload') {
    udfs.delete(req.udfId);
    await udf?.close();
    return { id: req.id, ok: true };
  }
  if (!udf) return { id: req.id, ok: false, message: `UDF ${req.udfId} is not loaded in the JS sandbox` };
  serving = { id: req.id, udf };
  batch = readBatch(BATCH_FD, req.bytes, batch);
  const result = serialize(await udf.call(deserialize(batch.subarray(0, req.bytes)) as unknown[]));
  writeBatch(BATCH_FD, result);
  return { id: req.id, ok: true, bytes: result.length };
}

process.on('message', (req: JsRequest) => {
  serving = { id: req.id, udf: undefined };
  serve(req).then(
    (res) => {
      serving = null;
      send(res);
    },
    (e: unknown) => {
      serving = null;
      send({ id: req.id, ok: false, message: e instanceof Error ? e.message : String(e) });
    },
  );
});
