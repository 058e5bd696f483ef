// Entry of a worker thread: loads the project itself and runs one worker of a job.
// Catalog updates are sent to the main thread, which applies them one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { loadProject } from '../config/load.ts';
import type { PartitionRef } from './checkpoint.ts';
import { explainError } from './io-errors.ts';
import { runWorker } from './job.ts';

const port = parentPort!;
const loaded = await loadProject(workerData.project.dir);
if (!loaded.ok) throw new Error(loaded.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
const abort = new AbortController();
let nextId = 0;
const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
port.on('message', (msg) => {
  if (msg.type === 'stop') abort.abort();
  else if (msg.type === 'ack') {
    const w = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.error) w?.reject(new Error(msg.error));
    else w?.resolve();
  }
});
let counters: Awaited<ReturnType<typeof runWorker>>;
try {
  counters = await runWorker({
    ...workerData,
    project: loaded.project,
    signal: abort.signal,
    catalog: {
      addPartitions(partitions: PartitionRef[]) {
        const id = nextId++;
        return new Promise<void>((resolve, reject) => {
          waiting.set(id, { resolve, reject });
          port.postMessage({ type: 'partitions', id, partitions });
        });
      },
    },
    onProgress: (progress) => port.postMessage({ type: 'progress', progress }),
  });
} catch (e) {
  // Errors lose their errno code crossing threads: explain them here.
  port.postMessage({ type: 'failed', message: explainError(e) });
  port.close();
  process.exit(1);
}
port.postMessage({ type: 'done', counters });
port.close();
