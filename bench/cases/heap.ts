// retained_heap: what the package keeps after a million runs have come and gone.
import { getHeapSpaceStatistics } from 'node:v8';
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

interface Heap {
  /** Objects: the host's data and the package's state. */
  readonly data: number;
  /** The code the runtime compiled, and its metadata (Node 24 keeps bytecode in a trusted space). */
  readonly code: number;
}

/**
 * The heap in use by space. Compiled code is counted apart: the runtime keeps optimising after the
 * warm-up (on Node 24 about 150 KiB of code and trusted space over the million runs), and that
 * is code, not state the package keeps.
 */
function heapNow(): Heap {
  let data = 0;
  let code = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (/^(code|trusted)_/.test(space.space_name)) code += space.space_used_size;
    else data += space.space_used_size;
  }
  return { data, code };
}

export const heapCases: Record<string, CaseFn> = {
  async retained_heap() {
    const provider = new BasicTracerProvider({ spanProcessors: [new CountingProcessor()] });
    const lifecycle = lifecycleOn(provider);
    // Warm: code, caches, the recent-closes ring and the ended actions kept for `closedBy` (32:
    // one dispose-all per cycle), so what is bounded by design is full before the measure. Each
    // dispose-all in its own turn of the event loop, as in a host: what Node queues for the next
    // tick (process warnings) is let go.
    for (let i = 0; i < 40; i++) {
      cycle(lifecycle);
      await nextTurn();
    }
    const heap = async (): Promise<Heap> => {
      await nextTurn();
      gc();
      return heapNow();
    };
    const before = await heap();
    let middle = before;
    let leftovers = 0;
    for (let i = 0; i < CYCLES; i++) {
      leftovers += cycle(lifecycle);
      await nextTurn();
      if (i === CYCLES / 2 - 1) middle = await heap();
    }
    const after = await heap();
    progress('retained_heap');
    const extra = {
      state_left_in_flight: leftovers,
      growth_second_half_bytes: after.data - middle.data,
      code_growth_bytes: after.code - before.code,
    };
    return { name: 'retained_heap', unit: 'bytes', ours: after.data - before.data, extra };
  },
};
