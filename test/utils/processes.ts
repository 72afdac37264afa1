// Helpers for tests that run real processes on loopback: free ports, long-running children that
// are stopped by their process id, and small HTTP calls.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Where host processes run, for the test matrix (.ci/matrix.sh): `OSL_RUNTIME` names the runtime
 * binary (Node 20 when unset: the one running the tests; Node 22/24 or Bun from tools/runtime.sh),
 * and `OSL_CONSUMER` a folder where the npm tarball was installed as the install guide says (the
 * checkout itself when unset). Fixtures are copied there, so `otel-session-lifecycle` and the SDK
 * resolve from that folder's node_modules.
 */
export const HOST_RUNTIME = process.env.OSL_RUNTIME || process.execPath;
export const HOST_CWD = process.env.OSL_CONSUMER || ROOT;
export const HOST_IS_BUN = basename(HOST_RUNTIME).startsWith('bun');

/** The fixture's path where the host runs (copied into the consumer folder in the matrix). */
export function hostFixture(fixture: string): string {
  if (HOST_CWD === ROOT) return fixture;
  const copy = join(HOST_CWD, basename(fixture));
  copyFileSync(fixture, copy);
  return copy;
}

/** The runtime's flag that loads `module` before the entry point: `--import`, or Bun's `--preload`. */
export function preloadArgs(module: string): string[] {
  return [HOST_IS_BUN ? '--preload' : '--import', module];
}

export interface Service {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the first stdout line that `match` accepts. */
  waitForLine(match: (line: string) => boolean, ms?: number): Promise<string>;
  /** Sends SIGTERM to the process id and waits for the exit (SIGKILL after `ms`). */
  stop(ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startService(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Service {
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const wake of listeners) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => `${stdout}\n--- stderr ---\n${stderr}`,
    waitForLine(match, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = stdout.split('\n').find(match);
          if (line !== undefined) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(line);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${command} printed no matching line:\n${stdout}\n${stderr}`));
        }, ms);
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`${command} exited:\n${stdout}\n${stderr}`));
          }
        });
        check();
      });
    },
    async stop(ms = 10_000) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGTERM');
        const timer = setTimeout(
          () => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'),
          ms,
        );
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
}

export async function httpJson(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** Polls `probe` until it returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface HostResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

/**
 * Runs a fixture host through the zero-code path, `node --import otel-session-lifecycle/register
 * FIXTURE` (Bun: `--preload`), with only `env` (and PATH) in its environment; resolves when it exits.
 */
export function runHost(
  fixture: string,
  env: Record<string, string>,
  onLine?: (line: string, child: ChildProcess) => void,
  timeoutMs = 30_000,
): Promise<HostResult> {
  return runScript([...preloadArgs('otel-session-lifecycle/register'), hostFixture(fixture)], env, onLine, timeoutMs);
}

/** Runs the host runtime with `args` in the host folder, with only `env` (and PATH); resolves when it exits. */
export function runScript(
  args: string[],
  env: Record<string, string>,
  onLine?: (line: string, child: ChildProcess) => void,
  timeoutMs = 30_000,
): Promise<HostResult> {
  const started = Date.now();
  const child = spawn(HOST_RUNTIME, args, {
    cwd: HOST_CWD,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stdout += text;
    for (const line of text.split('\n')) if (line !== '') onLine?.(line, child);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`host did not exit; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal === null) reject(new Error(`host exited ${code}: ${stderr}`));
      else resolve({ stdout, stderr, code, signal, ms: Date.now() - started });
    });
  });
}

/**
 * `npm run demo` with `args`, without colour, on the in-memory exporter unless `env` names an
 * endpoint: what a user sees. Asynchronous, so a receiver in this process can answer it.
 */
export function runDemo(
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const extra = args.length > 0 ? ['--', ...args] : [];
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'demo', ...extra],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', OTEL_EXPORTER_OTLP_ENDPOINT: '', ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
