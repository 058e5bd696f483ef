// Hostile Python UDFs: each attempt to reach the host is contained, becomes an error outcome with a
// plain message, and leaves no trace on the host (checked for the side effect itself).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { loadPythonUdf } from './python.ts';
import type { UdfOutcome, UdfRunner } from './types.ts';

const projectDir = join(import.meta.dirname, 'testdata', 'hostile-python');
const tmp = mkdtempSync(join(tmpdir(), 'weir-hostile-'));
const marker = join(tmp, 'pwned');
let server: Server;
let port = 0;
let connections = 0;
const runners: UdfRunner[] = [];

before(async () => {
  process.env.WEIR_TEST_SECRET = 'hunter2';
  server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

after(async () => {
  await Promise.all(runners.map((r) => r.close()));
  server.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function run(func: string): Promise<UdfOutcome> {
  const runner = await loadPythonUdf(`udf/hostile.py#${func}`, 'postprocess', {
    projectDir,
    timeoutMs: 60_000,
  });
  runners.push(runner);
  const { outcomes } = await runner.call([{ marker, port }]);
  return outcomes[0] as UdfOutcome;
}

function failed(o: UdfOutcome): Extract<UdfOutcome, { ok: false }> {
  assert.ok(!o.ok, `expected an error outcome, got ${JSON.stringify(o)}`);
  return o;
}

const WHY = 'Python UDFs run in a sandbox without file writing, network or process access';

describe('a Python UDF cannot reach the host', () => {
  test('no route to JS: js, pyodide, ctypes cannot be imported', async () => {
    for (const [func, module] of [
      ['import_js', 'js'],
      ['run_js', 'pyodide.code'],
      ['ffi', 'pyodide.ffi'],
      ['ctypes_call', 'ctypes'],
    ] as const) {
      const o = failed(await run(func));
      assert.equal(o.errorClass, 'ImportError', func);
      assert.equal(o.message, `cannot import "${module}": ${WHY}`);
    }
  });

  test("the host's files are not there to read; writing is refused", async () => {
    const read = failed(await run('read_host_file'));
    assert.equal(read.errorClass, 'FileNotFoundError');
    const write = failed(await run('write_file'));
    assert.equal(write.errorClass, 'PermissionError');
    assert.equal(write.message, `cannot write /project/udf/written.txt: ${WHY}`);
    assert.equal(existsSync(join(projectDir, 'udf', 'written.txt')), false);
  });

  test('no programs: os.system and subprocess are refused and run nothing', async () => {
    const system = failed(await run('os_system'));
    assert.equal(system.errorClass, 'PermissionError');
    assert.equal(system.message, `cannot run shell commands: ${WHY}`);
    const sub = failed(await run('subprocess_run'));
    assert.equal(sub.message, `cannot start programs: ${WHY}`);
    assert.equal(existsSync(marker), false);
  });

  test('no network: a socket is refused and the host server sees no connection', async () => {
    const o = failed(await run('socket_connect'));
    assert.equal(o.errorClass, 'PermissionError');
    assert.match(o.message, /^cannot use the network \(socket\.__new__\)/);
    assert.equal(connections, 0);
  });

  test("the process's environment (credentials) does not reach the UDF", async () => {
    const o = await run('environment');
    assert.ok(o.ok);
    assert.ok(!(o.value as { got: string[] }).got.includes('WEIR_TEST_SECRET'));
  });

  test('JS reached around the import machinery cannot act on the host', async () => {
    const o = await run('escape');
    assert.ok(o.ok, JSON.stringify(o));
    // Whatever the attempts returned, nothing happened on the host.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(existsSync(marker), false);
    assert.equal(connections, 0);
    // The interpreter is still usable.
    assert.deepEqual(await run('fine'), { ok: true, value: { got: 'fine' } });
  });
});

/** Pids of the processes descending from `pid` (from /proc). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    } catch {}
    for (const child of children ? children.split(' ').map(Number) : [])
      out.push(child, ...descendants(child));
  }
  return out;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

test('the sandbox dies with its host, even while Python is busy', async () => {
  const script = `
import { loadPythonUdf } from ${JSON.stringify(new URL('./python.ts', import.meta.url).href)};
const udf = await loadPythonUdf('udf/hostile.py#spin', 'postprocess', { projectDir: process.argv[1], timeoutMs: 600000 });
console.log('calling');
await udf.call([{}]);
`;
  for (const env of [{}, { WEIR_UDF_NETWORK_ISOLATION: 'off', PATH: join(tmp, 'no-such-dir') }]) {
    const host = spawn(process.execPath, ['--input-type=module', '-e', script, projectDir], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((resolve) => host.stdout.once('data', resolve));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sandbox = descendants(host.pid as number);
    assert.ok(sandbox.length > 0);
    host.kill('SIGKILL');
    const until = Date.now() + 10_000;
    while (sandbox.some(alive) && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(sandbox.filter(alive), [], JSON.stringify(env));
  }
});

describe('where the sandbox cannot be built', () => {
  const child = `
import { loadPythonUdf } from ${JSON.stringify(new URL('./python.ts', import.meta.url).href)};
try {
  const udf = await loadPythonUdf('udf/hostile.py#fine', 'postprocess', { projectDir: process.argv[1] });
  console.log(JSON.stringify((await udf.call([{}])).outcomes));
  await udf.close();
} catch (e) {
  console.log(e.message);
}
`;
  const start = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ['--input-type=module', '-e', child, projectDir], {
      env: { ...env, PATH: join(tmp, 'no-such-dir') },
    });

  test('without network namespaces Python UDFs are refused with a plain message, unless allowed', async () => {
    const refused = await start({});
    assert.match(refused.stdout, /^Python UDFs run in a sandbox that needs Linux network namespaces/);
    assert.match(refused.stdout, /Set WEIR_UDF_NETWORK_ISOLATION=off/);
    const allowed = await start({ WEIR_UDF_NETWORK_ISOLATION: 'off' });
    assert.equal(allowed.stdout.trim(), JSON.stringify([{ ok: true, value: { got: 'fine' } }]));
  });
});
