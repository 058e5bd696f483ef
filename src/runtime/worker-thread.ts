// Entry of a worker thread: builds the project from the config text the main thread validated and
// runs one worker of a job. Catalog updates are sent to the main thread, which applies them one at
// a time. Messages: thread-messages.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { loadProjectFromText } from '../config/load.ts';
import type { Project } from '../config/project.ts';
import { failureKind, WorkerSetupError } from '../core/job-errors.ts';
import type { PartitionRef } from './checkpoint.ts';
import { explainError } from './io-errors.ts';
import { runWorker } from './job.ts';
import type { JobPlan } from './plan.ts';
import type { FromWorker, ThreadStart, ToWorker } from './thread-messages.ts';

const port = parentPort!;
const start = workerData as ThreadStart;
const send = (msg: FromWorker) => port.postMessage(msg);
const abort = new AbortController();
/** A newer version the main thread offered, loaded here, for the worker's next loop turn. */
let waitingVersion: { project: Project; job: JobPlan } | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
port.on('message', (msg: ToWorker) => {
  if (msg.type === 'stop') abort.abort();
  else if (msg.type === 'config-changed') void offer(msg.project, msg.job);
  else if (msg.type === 'ack') {
    const w = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.error) w?.reject(new Error(msg.error));
    else w?.resolve();
  }
});

async function offer(project: ThreadStart['project'], job: JobPlan): Promise<void> {
  const loaded = await loadProjectFromText(project.text, project.dir, { version: project.version });
  if (loaded.ok) waitingVersion = { project: loaded.project, job };
  else
    console.error(
      `weir: job ${start.job.name}, worker ${start.worker}: version ${project.version} refused (${loaded.problems.map((p) => `${p.path}: ${p.message}`).join('; ')})`,
    );
}

async function run() {
  const loaded = await loadProjectFromText(start.project.text, start.project.dir, {
    version: start.project.version,
  });
  if (!loaded.ok) {
    throw new WorkerSetupError(loaded.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  }
  return runWorker({
    ...start,
    project: loaded.project,
    signal: abort.signal,
    nextVersion: () => {
      const next = waitingVersion;
      waitingVersion = undefined;
      return next;
    },
    catalog: {
      addPartitions(partitions: PartitionRef[]) {
        const id = nextId++;
        return new Promise<void>((resolve, reject) => {
          waiting.set(id, { resolve, reject });
          send({ type: 'partitions', id, partitions });
        });
      },
    },
    onProgress: (progress) => send({ type: 'progress', progress }),
  });
}

try {
  send({ type: 'done', counters: await run() });
} catch (e) {
  // Errors lose their class and errno code crossing threads: explain them here, keep the kind.
  send({ type: 'failed', kind: failureKind(e), message: explainError(e) });
  port.close();
  // Ends this thread only, after runWorker cleaned up; a client timer left behind cannot keep it.
  process.exit(1);
}
port.close();
