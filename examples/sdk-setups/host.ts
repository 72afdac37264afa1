// A tiny session host for the two set-up examples: runs live in scopes (directories) until the
// instance store reloads the scope. HTTP routes:
//   POST /runs?dir=D    starts a run in D; answers {"runId","traceId","spanId"} of its run span
//   POST /reload?dir=D  reloads D (a lifecycle action); a `traceparent` header makes it part of
//                       the caller's trace
import http from 'node:http';
import { context, propagation, trace } from '@opentelemetry/api';
import type { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';

class InstanceStore {
  private readonly runs = new Map<string, Set<AbortController>>();

  start(dir: string): AbortController {
    const controller = new AbortController();
    const runs = this.runs.get(dir) ?? new Set<AbortController>();
    runs.add(controller);
    this.runs.set(dir, runs);
    return controller;
  }

  /** Closes every run in `dir`, as a reload does. */
  reload(dir: string): number {
    const runs = this.runs.get(dir) ?? new Set<AbortController>();
    this.runs.delete(dir);
    for (const controller of runs) controller.abort();
    return runs.size;
  }
}

export function startHost(lifecycle: SessionLifecycleInstrumentation, port = 0): Promise<http.Server> {
  const store = lifecycle.instrumentStore(new InstanceStore(), { reload: 'instance_reload' });
  let next = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const dir = url.searchParams.get('dir') ?? '/srv/project';
    const reply = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/runs') {
      const controller = store.start(dir);
      const run = lifecycle.trackRun({ runId: `run-${++next}`, scope: dir, signal: controller.signal });
      controller.signal.addEventListener('abort', () => run.end({ outcome: 'error', error: controller.signal.reason }));
      reply({ runId: run.runId, ...run.span.spanContext() });
    } else if (req.method === 'POST' && url.pathname === '/reload') {
      // With an HTTP instrumentation the request's server span is active already (and continues
      // the caller's trace); without one, the W3C propagator the set-up registered reads it.
      const parent = trace.getSpan(context.active())
        ? context.active()
        : propagation.extract(context.active(), req.headers);
      const closed = context.with(parent, () => store.reload(dir));
      reply({ closed });
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
