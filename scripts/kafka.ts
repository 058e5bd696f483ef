// A real single-node Apache Kafka 4.x broker (KRaft, combined broker+controller) for local
// development and CI. The jars come from Maven Central through scripts/kafka/pom.xml.
//
//   node scripts/kafka.ts fetch | start | stop [--clean] | status
//
// The broker listens on 127.0.0.1:$WEIR_KAFKA_PORT (default 9092), its controller on port + 1.
// Everything it writes lives under .cache/kafka/ (per port: data-<port>/, broker-<port>.log, ...).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const KAFKA_DIR = join(ROOT, '.cache', 'kafka');
export const LIBS_DIR = join(KAFKA_DIR, 'libs');
const POM = join(ROOT, 'scripts', 'kafka', 'pom.xml');
export const DEFAULT_PORT = 9092;
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

/** The Kafka version the pom pins (`<kafka.version>`). */
export function kafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!match) throw new Error(`${POM} has no <kafka.version> property`);
  return match[1]!;
}

/** The port from WEIR_KAFKA_PORT, or 9092. */
export function portFromEnv(): number {
  const raw = process.env['WEIR_KAFKA_PORT'];
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65534) {
    throw new Error(`WEIR_KAFKA_PORT must be a port number (1-65534), got "${raw}"`);
  }
  return port;
}

/** Files of the broker listening on `port`. */
export function brokerFiles(port: number) {
  return {
    dataDir: join(KAFKA_DIR, `data-${port}`),
    properties: join(KAFKA_DIR, `server-${port}.properties`),
    log4j: join(KAFKA_DIR, `log4j2-${port}.properties`),
    log: join(KAFKA_DIR, `broker-${port}.log`),
    out: join(KAFKA_DIR, `broker-${port}.out`),
    pid: join(KAFKA_DIR, `broker-${port}.pid`),
    lock: join(KAFKA_DIR, `broker-${port}.lock`),
  };
}

/** Throws a plain error naming what is missing when a tool the broker needs is not installed. */
export function requireTool(tool: 'java' | 'mvn'): void {
  const probe = spawnSync(tool, ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    const what = tool === 'java' ? 'Java 17 or newer (`java`)' : 'Apache Maven (`mvn`)';
    throw new Error(
      `The Kafka broker for development and tests needs ${what} on the PATH, and it was not found` +
        (probe.error ? ` (${probe.error.message})` : '') +
        '. Install it (e.g. `apt-get install openjdk-17-jre-headless maven`) and retry.',
    );
  }
}

/** Copies the broker's jars from Maven Central into .cache/kafka/libs, unless that version is already there. */
export async function fetchKafka(log: (line: string) => void = () => {}): Promise<string> {
  const version = kafkaVersion();
  const marker = join(LIBS_DIR, `kafka_2.13-${version}.jar`);
  if (existsSync(marker)) return LIBS_DIR;
  requireTool('java');
  requireTool('mvn');
  log(`fetching Apache Kafka ${version} jars from Maven Central into ${LIBS_DIR} ...`);
  // A different version's jars must not share the classpath.
  rmSync(LIBS_DIR, { recursive: true, force: true });
  mkdirSync(LIBS_DIR, { recursive: true });
  const result = await run('mvn', [
    '-q',
    '-B',
    '-f',
    POM,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${LIBS_DIR}`,
    '-DincludeScope=runtime',
  ]);
  if (result.code !== 0 || !existsSync(marker)) {
    rmSync(LIBS_DIR, { recursive: true, force: true });
    throw new Error(
      `fetching the Kafka jars with Maven failed (exit ${result.code}):\n${tail(result.output, 30)}`,
    );
  }
  return LIBS_DIR;
}

export interface BrokerStatus {
  port: number;
  /** Pid of the broker this script started, when it is alive. */
  pid: number | null;
  /** A Kafka client got metadata from 127.0.0.1:port. */
  reachable: boolean;
}

export async function brokerStatus(port: number): Promise<BrokerStatus> {
  return { port, pid: livePid(port), reachable: await isReachable(port, 2_000) };
}

/**
 * Starts a broker on 127.0.0.1:port unless one already answers there, and waits until a client
 * can read metadata from it. Returns `started: false` when one was already running.
 */
export async function startBroker(
  port: number,
  log: (line: string) => void = () => {},
): Promise<{ started: boolean; brokers: string[] }> {
  const brokers = [`127.0.0.1:${port}`];
  return withLock(port, async () => {
    const files = brokerFiles(port);
    const pid = livePid(port);
    if (pid !== null) {
      await waitReady(port, pid);
      return { started: false, brokers };
    }
    if (await isReachable(port, 1_500)) return { started: false, brokers };

    await fetchKafka(log);
    requireTool('java');
    mkdirSync(KAFKA_DIR, { recursive: true });
    writeFileSync(files.properties, serverProperties(port, files.dataDir));
    writeFileSync(files.log4j, log4jProperties(files.log));
    if (!existsSync(join(files.dataDir, 'meta.properties'))) {
      log(`formatting ${files.dataDir}`);
      rmSync(files.dataDir, { recursive: true, force: true });
      const format = await run('java', [
        ...jvmArgs(files.log4j, '256m'),
        'kafka.tools.StorageTool',
        'format',
        '-t',
        newClusterId(),
        '-c',
        files.properties,
        '--standalone',
      ]);
      if (format.code !== 0) {
        throw new Error(
          `formatting the Kafka storage failed (exit ${format.code}):\n${tail(format.output, 30)}`,
        );
      }
    }

    log(`starting Kafka ${kafkaVersion()} on ${brokers[0]} (log: ${files.log})`);
    const out = openSync(files.out, 'w');
    const child = spawn('java', [...jvmArgs(files.log4j, '512m'), 'kafka.Kafka', files.properties], {
      cwd: KAFKA_DIR,
      detached: true,
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    if (child.pid === undefined) throw new Error('could not start java for the Kafka broker');
    child.unref();
    writeFileSync(files.pid, String(child.pid));
    await waitReady(port, child.pid);
    return { started: true, brokers };
  });
}

/** Stops the broker this script started on `port` (SIGTERM, then SIGKILL); `clean` also removes its data. */
export async function stopBroker(port: number, options: { clean?: boolean } = {}): Promise<boolean> {
  return withLock(port, async () => {
    const files = brokerFiles(port);
    const pid = livePid(port);
    if (pid !== null) {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (isAlive(pid) && Date.now() < deadline) await sleep(200);
      if (isAlive(pid)) {
        process.kill(pid, 'SIGKILL');
        while (isAlive(pid)) await sleep(100);
      }
    }
    rmSync(files.pid, { force: true });
    if (options.clean) rmSync(files.dataDir, { recursive: true, force: true });
    return pid !== null;
  });
}

/**
 * A random KRaft cluster id (16 bytes, base64url). Never starting with "-": the storage tool would
 * read such an id as an option and fail (1 start in 64 before this).
 */
export function newClusterId(): string {
  return randomBytes(16).toString('base64url').replace(/^-/, 'A');
}

function serverProperties(port: number, dataDir: string): string {
  const controller = port + 1;
  return [
    '# Written by scripts/kafka.ts: a single-node KRaft broker + controller for development and tests.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'num.network.threads=2',
    'num.io.threads=2',
    'background.threads=2',
    'log.retention.hours=24',
    '',
  ].join('\n');
}

function log4jProperties(logFile: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${logFile}`,
    'appender.file.append = false',
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = file',
    'logger.state.name = state.change.logger',
    'logger.state.level = WARN',
    '',
  ].join('\n');
}

function jvmArgs(log4jFile: string, heap: string): string[] {
  // Small heap and a quick-starting JIT: the machine is shared and a test broker lives for minutes.
  return [
    `-Xmx${heap}`,
    '-Xms64m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jFile}`,
    '-cp',
    join(LIBS_DIR, '*'),
  ];
}

async function waitReady(port: number, pid: number): Promise<void> {
  const files = brokerFiles(port);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      rmSync(files.pid, { force: true });
      throw new Error(`the Kafka broker on 127.0.0.1:${port} exited while starting.\n${logTails(port)}`);
    }
    if (await isReachable(port, 2_000)) return;
    await sleep(300);
  }
  throw new Error(
    `the Kafka broker on 127.0.0.1:${port} (pid ${pid}) did not answer within ${READY_TIMEOUT_MS / 1000}s.\n${logTails(port)}`,
  );
}

async function isReachable(port: number, timeoutMs: number): Promise<boolean> {
  const admin = new Admin({
    clientId: 'weir-kafka-script',
    bootstrapBrokers: [`127.0.0.1:${port}`],
    retries: 0,
    connectTimeout: timeoutMs,
    timeout: timeoutMs,
  });
  try {
    await admin.metadata({ topics: [] });
    return true;
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => {});
  }
}

function logTails(port: number): string {
  const files = brokerFiles(port);
  const parts: string[] = [];
  for (const file of [files.out, files.log]) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8').trim();
    if (text) parts.push(`--- last lines of ${file} ---\n${tail(text, 25)}`);
  }
  return parts.join('\n') || '(the broker wrote no log)';
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Pid from the pid file when that process is alive and is a Kafka broker. */
function livePid(port: number): number | null {
  const file = brokerFiles(port).pid;
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  try {
    // A recycled pid would belong to some other program.
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka')) return null;
  } catch {
    // No /proc (macOS): trust the pid file.
  }
  return pid;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Serializes start/stop across processes (node --test runs each test file in its own process).
 * A lock left by a dead process is taken over.
 */
export async function withLock<T>(port: number, fn: () => Promise<T>): Promise<T> {
  // Re-entrant within one process, so a locked section may call startBroker/stopBroker.
  if (heldLocks.has(port)) return fn();
  const lock = brokerFiles(port).lock;
  mkdirSync(KAFKA_DIR, { recursive: true });
  const deadline = Date.now() + READY_TIMEOUT_MS + STOP_TIMEOUT_MS + 60_000;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
      const age = Date.now() - ((await stat(lock).catch(() => null))?.mtimeMs ?? Date.now());
      if ((Number.isInteger(holder) && holder > 0 && !isAlive(holder)) || (!holder && age > 5_000)) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (held by pid ${holder})`);
      await sleep(200);
    }
  }
  heldLocks.add(port);
  try {
    return await fn();
  } finally {
    heldLocks.delete(port);
    rmSync(lock, { force: true });
  }
}
const heldLocks = new Set<number>();

/** Lease files: which live processes use the broker on `port` (see test/kafka/broker.ts). */
export const leases = {
  dir: (port: number) => join(KAFKA_DIR, `leases-${port}`),
  async add(port: number, holder: number): Promise<void> {
    mkdirSync(leases.dir(port), { recursive: true });
    await writeFile(join(leases.dir(port), String(holder)), '');
  },
  async remove(port: number, holder: number): Promise<void> {
    await rm(join(leases.dir(port), String(holder)), { force: true });
  },
  /** Live holders (leases of dead processes are dropped). */
  async live(port: number): Promise<number[]> {
    const names = await readdir(leases.dir(port)).catch(() => [] as string[]);
    const alive: number[] = [];
    for (const name of names) {
      const pid = Number(name);
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) alive.push(pid);
      else await rm(join(leases.dir(port), name), { force: true });
    }
    return alive;
  },
};

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code: code ?? 1, output }));
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const port = portFromEnv();
  const say = (line: string) => console.log(line);
  switch (command) {
    case 'fetch':
      say(`Kafka ${kafkaVersion()} jars in ${await fetchKafka(say)}`);
      return 0;
    case 'start': {
      const { started, brokers } = await startBroker(port, say);
      say(started ? `Kafka is up on ${brokers[0]}` : `Kafka was already running on ${brokers[0]}`);
      return 0;
    }
    case 'stop': {
      const stopped = await stopBroker(port, { clean: rest.includes('--clean') });
      say(
        stopped
          ? `stopped the Kafka broker on port ${port}`
          : `no Kafka broker started by this script on port ${port}`,
      );
      if (rest.includes('--clean')) say(`removed ${brokerFiles(port).dataDir}`);
      return 0;
    }
    case 'status': {
      const status = await brokerStatus(port);
      say(
        status.reachable
          ? `Kafka is running on 127.0.0.1:${port}${status.pid ? ` (pid ${status.pid})` : ' (not started by this script)'}`
          : status.pid
            ? `Kafka (pid ${status.pid}) is starting or unresponsive on 127.0.0.1:${port}`
            : `Kafka is not running on 127.0.0.1:${port}`,
      );
      return status.reachable ? 0 : 1;
    }
    default:
      console.error(
        'usage: node scripts/kafka.ts fetch | start | stop [--clean] | status   (port: WEIR_KAFKA_PORT, default 9092)',
      );
      return 2;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`kafka: ${error.message}`);
      process.exit(1);
    },
  );
}
