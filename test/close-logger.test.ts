// The non-OpenTelemetry consumer in examples/close-logger.ts, run against the channel-only example
// host with the instrumentation and no SDK at all: one JSON line per run close and per action end,
// with the cause of each close, and only bounded values (no directory ever).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logCloses } from '../examples/close-logger.js';
import { startSessionHost, type SessionHost } from '../examples/session-host/host.js';
import { SessionLifecycleInstrumentation } from '../src/index.js';
import { httpJson } from './utils/processes.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

async function channelHost(): Promise<{ host: SessionHost; post: (path: string, body?: object) => Promise<string> }> {
  const lifecycle = new SessionLifecycleInstrumentation(); // no tracer or meter provider: the API's no-ops
  cleanups.push(() => lifecycle.disable());
  const host = await startSessionHost({ channels: true });
  cleanups.push(() => host.close());
  const post = async (path: string, body: object = {}): Promise<string> => {
    const { status, json } = await httpJson('POST', `${host.url}${path}`, body);
    expect(status).toBe(200);
    return Object.values(json as Record<string, string>)[0]!;
  };
  return { host, post };
}

const BOUNDED = /^[a-z0-9_.:-]{1,120}$/;

describe('examples/close-logger.ts', () => {
  it('writes one JSON line per close and per action end, each close naming the action that caused it', async () => {
    const lines: string[] = [];
    cleanups.push(logCloses((line) => lines.push(line)));
    const { post } = await channelHost();
    const [a, b] = [await post('/projects', { name: 'a' }), await post('/projects', { name: 'b' })];
    for (const directory of [a, a, b]) await post('/runs', { directory, sessionId: 'session-1' });
    await post('/runs', { directory: a, ms: 1 });
    await new Promise((r) => setTimeout(r, 30));
    await post('/reload', { directory: a });
    await post('/crash', { directory: b });
    await post('/runs', { directory: a });
    await post('/dispose-all');

    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const actions = records.filter((r) => r.event === 'session_host.lifecycle.action');
    const closes = records.filter((r) => r.event === 'session_host.run.close');
    expect(records).toHaveLength(actions.length + closes.length);
    expect(actions.map((r) => [r.kind, r.runs_interrupted, r.outcome, r.timed_out])).toEqual([
      ['instance_reload', 2, 'ok', false],
      ['instance_dispose_all', 1, 'ok', false],
    ]);
    const byRun = Object.fromEntries(closes.map((r) => [r.run_id, [r.classification, r.kind ?? null]]));
    expect(byRun).toEqual({
      'run-4': ['success', null],
      'run-1': ['local_instance_reload', 'instance_reload'],
      'run-2': ['local_instance_reload', 'instance_reload'],
      'run-3': ['unknown_scope_close', null],
      'run-5': ['local_instance_dispose', 'instance_dispose_all'],
    });
    for (const close of closes.filter((r) => r.kind !== undefined)) {
      expect(actions.find((r) => r.kind === close.kind)!.action_id).toBe(close.action_id);
      expect(close.provenance).toBe('context');
    }
    for (const record of records) {
      for (const value of Object.values(record)) {
        if (typeof value === 'string') expect(value).toMatch(BOUNDED);
        else expect(['number', 'boolean']).toContain(typeof value);
      }
    }
    for (const directory of [a, b]) expect(lines.join('\n')).not.toContain(directory);
  });

  it('logs with console.log by default, and stops when unsubscribed', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const stop = logCloses();
    const { post } = await channelHost();
    const directory = await post('/projects', { name: 'x' });
    await post('/runs', { directory });
    await post('/dispose', { directory });
    expect(log.mock.calls.map(([line]) => (JSON.parse(String(line)) as { event: string }).event)).toEqual([
      'session_host.run.close',
      'session_host.lifecycle.action',
    ]);
    stop();
    await post('/runs', { directory });
    await post('/reload', { directory });
    expect(log).toHaveBeenCalledTimes(2);
  });
});
