// retained_heap: what the package keeps after a million runs have come and gone.
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { RunHandle, SessionLifecycleInstrumentation } from '../../dist/index.js';
import { gc, nextTurn } from '../harness.js';
import { CountingProcessor, lifecycleOn, never, progress, RUN_IDS, SCOPES, type CaseFn } from './common.js';

const CYCLES = 1000;
const RUNS_PER_CYCLE = 1000;

/**
 * 1,000 runs in 10 scopes: 250 complete on a shared signal, 250 complete without one, and 500 are
 * interrupted by one dispose-all (100 with their own AbortController, 400 on their scope's
 * shared controller). Returns the state still in flight afterwards (0 when nothing leaks).
 */
function cycle(lifecycle: SessionLifecycleInstrumentation): number {
  const handles: RunHandle[] = [];
  const own: AbortController[] = [];
  const shared = Array.from({ length: 10 }, () => new AbortController());
  for (let i = 0; i < RUNS_PER_CYCLE; i++) {
    const scope = SCOPES[i % 10]!;
    const runId = RUN_IDS[i]!;
    if (i < 250) {
      lifecycle.trackRun({ runId, sessionId: 'session-1', scope, signal: never }).end({ outcome: 'completed' });
    } else if (i < 500) {
      lifecycle.trackRun({ runId, scope }).end({ outcome: i % 50 === 0 ? 'error' : 'completed' });
    } else {
      let signal = shared[i % 10]!.signal;
      if (i < 600) {
        const controller = new AbortController();
        own.push(controller);
        signal = controller.signal;
      }
      handles.push(lifecycle.trackRun({ runId, sessionId: 'session-1', scope, signal }));
    }
  }
  lifecycle.action('instance_dispose_all', () => {
    for (const c of own) c.abort();
    for (const c of shared) c.abort();
  });
  for (const handle of handles) handle.end({ outcome: 'error' });
  const left = lifecycle.snapshot().in_flight;
  return left.actions + left.runs + left.scopes + left.scope_registrations;
}

export const heapCases: Record<string, CaseFn> = {
  async retained_heap() {
    const provider = new BasicTracerProvider({ spanProcessors: [new CountingProcessor()] });
    const lifecycle = lifecycleOn(provider);
    // Warm: code, caches, the recent-closes ring. Each dispose-all in its own turn of the event
    // loop, as in a host: what Node queues for the next tick (process warnings) is let go.
    for (let i = 0; i < 20; i++) {
      cycle(lifecycle);
      await nextTurn();
    }
    const heap = async (): Promise<number> => {
      await nextTurn();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = await heap();
    let middle = 0;
    let leftovers = 0;
    for (let i = 0; i < CYCLES; i++) {
      leftovers += cycle(lifecycle);
      await nextTurn();
      if (i === CYCLES / 2 - 1) middle = await heap();
    }
    const after = await heap();
    const retained = after - before;
    progress('retained_heap');
    const extra = { state_left_in_flight: leftovers, growth_second_half_bytes: after - middle };
    return { name: 'retained_heap', unit: 'bytes', ours: retained, extra };
  },
};
