// An example session host on node:http: instances keyed by real temporary directories, simulated
// agent runs streaming work on timers (each with an AbortController owned by its instance), and
// routes that start runs and reload, dispose and crash instances. It adopts otel-session-lifecycle
// the way a real host would: instrumentStore on its store, trackRun where runs start. Or, with
// `channels: true`, not at all: its store publishes on node:diagnostics_channel
// (channel-store.ts), and the process entry decides who listens.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import type { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';
import { InstanceStore } from '../instance-store.js';
import { ChannelInstanceStore } from './channel-store.js';

/** Direct adoption: the host wraps its store with the instrumentation and tracks its runs. */
interface DirectAdoption {
  lifecycle: SessionLifecycleInstrumentation<string>;
  channels?: false;
}

/** Channel-only: the store publishes on the session_host channels; the host holds no instrumentation. */
interface ChannelAdoption {
  channels: true;
  lifecycle?: undefined;
  /** Served at GET /debug/lifecycle when given (the process entry owns the instrumentation). */
  snapshot?: () => unknown;
}

export type SessionHostOptions = (DirectAdoption | ChannelAdoption) & {
  /** Port on 127.0.0.1 (default: an ephemeral one). */
  port?: number;
};

export interface SessionHost {
  readonly url: string;
  readonly server: Server;
  readonly store: InstanceStore;
  close(): Promise<void>;
}

type RunState = 'running' | 'completed' | 'aborted';
const MAX_REMEMBERED_RUNS = 1000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 64 * 1024) throw new HttpError(413, 'body too large');
  }
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'body must be a JSON object');
}

export async function startSessionHost(options: SessionHostOptions): Promise<SessionHost> {
  const { lifecycle } = options;
  const root = await mkdtemp(join(tmpdir(), 'session-host-'));
  const store: InstanceStore =
    lifecycle === undefined
      ? new ChannelInstanceStore()
      : lifecycle.instrumentStore(
          new InstanceStore(),
          {
            reload: 'instance_reload',
            dispose: 'instance_dispose',
            disposeDirectory: 'instance_dispose_directory',
            disposeAll: 'instance_dispose_all',
          },
          { scopeOf: (method, args) => (method === 'disposeAll' ? store.directories() : (args[0] as string)) },
        );
  const snapshot = lifecycle === undefined ? options.snapshot : () => lifecycle.snapshot();
  const tracer = trace.getTracer('session-host-example');
  const directories = new Set<string>();
  const runs = new Map<string, RunState>();
  let nextRun = 0;

  const directoryArg = (body: Record<string, unknown>): string => {
    const directory = body.directory;
    if (typeof directory !== 'string' || !directories.has(directory)) throw new HttpError(404, 'unknown directory');
    return directory;
  };

  const routes: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    'POST /projects': async (body) => {
      const name =
        typeof body.name === 'string' ? body.name.replace(/[^a-z0-9-]/gi, '').slice(0, 40) || 'project' : 'project';
      const directory = await mkdtemp(join(root, `${name}-`));
      directories.add(directory);
      return { directory };
    },
    'POST /runs': async (body) => {
      const directory = directoryArg(body);
      const ms = typeof body.ms === 'number' && body.ms >= 0 ? Math.min(body.ms, 600_000) : 30_000;
      const runId = `run-${++nextRun}`;
      const sessionId = typeof body.sessionId === 'string' ? body.sessionId : undefined;
      const onStop = (how: 'completed' | 'aborted', reason: unknown): void => {
        runs.set(runId, how);
        tracked?.end(how === 'completed' ? { outcome: 'completed' } : { outcome: 'error', error: reason });
      };
      const run = store.startRun(directory, runId, ms, onStop, sessionId);
      // Channel-only, the store traced the run on session_host:run: nothing to track here.
      const tracked = lifecycle?.trackRun({ runId, sessionId, scope: directory, signal: run.controller.signal });
      // `"step": true`: the run does its first piece of work at once (an agent's first model call,
      // say), a child span of the run span that ends now. Its trace then reaches the collector
      // long before the run span does, as a real agent run's traces do.
      if (body.step === true && tracked !== undefined) {
        tracer.startSpan('run step', {}, trace.setSpan(context.active(), tracked.span)).end();
      }
      runs.set(runId, 'running');
      if (runs.size > MAX_REMEMBERED_RUNS) runs.delete(runs.keys().next().value!);
      return { runId };
    },
    'POST /reload': async (body) => {
      await store.reload(directoryArg(body));
      return { ok: true };
    },
    'POST /dispose': async (body) => {
      const directory = directoryArg(body);
      await store.dispose(directory);
      return { ok: true };
    },
    'POST /dispose-directory': async (body) => {
      if (typeof body.directory !== 'string') throw new HttpError(400, 'directory is required');
      await store.disposeDirectory(body.directory);
      return { ok: true };
    },
    'POST /dispose-all': async () => {
      await store.disposeAll();
      return { ok: true };
    },
    // A worker crash: the instance goes away with no lifecycle call. These closes are what
    // unknown_scope_close is for.
    'POST /crash': async (body) => {
      store.crash(directoryArg(body));
      return { ok: true };
    },
    'GET /runs': async () => Object.fromEntries(runs),
    'GET /debug/lifecycle': async () => {
      if (snapshot === undefined) throw new HttpError(404, 'no lifecycle snapshot here');
      return snapshot();
    },
    'GET /health': async () => ({ ok: true }),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const route = routes[`${req.method} ${(req.url ?? '/').split('?')[0]}`];
    let status = 200;
    let payload: unknown;
    try {
      if (route === undefined) throw new HttpError(404, 'no such route');
      payload = await route(req.method === 'POST' ? await readJson(req) : {});
    } catch (error) {
      status = error instanceof HttpError ? error.status : 500;
      payload = { error: error instanceof HttpError ? error.message : 'internal error' };
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    store,
    async close() {
      await store.disposeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
