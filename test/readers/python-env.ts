// Python environments for tests that read Weir's output through independent clients (pyarrow,
// PySpark, PyFlink, confluent-kafka). Each lives in its own venv under .cache/python/<name>, made
// from PyPI on first use and reused while its requirements stay the same. A machine that cannot
// make one gets a reason to print, and the test skips with it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PYTHON_DIR = join(ROOT, '.cache', 'python');

export type PythonEnv = { python: string; skip?: undefined } | { python?: undefined; skip: string };

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => done({ code: -1, out: `${out}${e.message}` }));
    child.on('close', (code) => done({ code: code ?? -1, out }));
  });
}

/** A venv with exactly these pip requirements (pinned, e.g. 'pyspark==4.0.1'), made once. */
export async function pythonEnv(name: string, requirements: string[]): Promise<PythonEnv> {
  const dir = join(PYTHON_DIR, name);
  const python = join(dir, 'bin', 'python');
  const stamp = join(dir, 'weir-requirements.txt');
  const wanted = `${requirements.join('\n')}\n`;
  if (existsSync(python) && (await readFile(stamp, 'utf8').catch(() => '')) === wanted) return { python };
  await rm(dir, { recursive: true, force: true });
  await mkdir(PYTHON_DIR, { recursive: true });
  const venv = await run(process.env.WEIR_PYTHON ?? 'python3', ['-m', 'venv', dir]);
  if (venv.code !== 0) return { skip: `cannot make a Python venv (python3 -m venv): ${venv.out.trim()}` };
  const pip = await run(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', ...requirements],
    {
      PIP_NO_INPUT: '1',
    },
  );
  if (pip.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    return { skip: `cannot install ${requirements.join(' ')} from PyPI: ${pip.out.trim().slice(-2000)}` };
  }
  await writeFile(stamp, wanted);
  return { python };
}

/** Runs a Python script (given as text) in the env; resolves with stdout, rejects with all output. */
export async function runPython(
  env: { python: string },
  script: string,
  args: string[] = [],
  extraEnv?: NodeJS.ProcessEnv,
): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(env.python, ['-c', script, ...args], {
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0
        ? done(out)
        : fail(new Error(`python exited ${code}:\n${err.slice(-4000)}\n${out.slice(-2000)}`)),
    );
  });
}
