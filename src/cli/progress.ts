// Progress of a long command: on a terminal a bar with rate and ETA (cli-progress), otherwise
// (a pipe, a log file, CI) one plain line every 5 s, so logs stay readable.
import { SingleBar } from 'cli-progress';

export interface ProgressReporter {
  update(done: number, total: number): void;
  stop(): void;
}

export function progressReporter(
  what: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressReporter {
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format: `${what} |{bar}| {value}/{total} | {rate}/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    });
    let started = false;
    let begun = Date.now();
    let first = 0;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, done, { rate: '0' });
          started = true;
          begun = Date.now();
          first = done;
        }
        const seconds = (Date.now() - begun) / 1000;
        bar.setTotal(total);
        bar.update(done, {
          rate: seconds > 0 ? Math.round((done - first) / seconds).toLocaleString('en-US') : '0',
        });
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = Date.now();
  return {
    update(done, total) {
      if (Date.now() - last < 5000) return;
      last = Date.now();
      stream.write(`… ${what}: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}\n`);
    },
    stop: () => {},
  };
}
