import { Effect, Exit, Scope } from 'effect';
import { describe, expect, it } from 'vitest';
import {
  closeInstanceScope,
  inLifecycleAction,
  recordScopeClose,
  trackedRun,
  withLifecycleAction,
} from 'otel-session-lifecycle/effect';
import { captureDiag } from '../utils/harness.js';
import { closeOf, setup, settle } from './setup.js';

const DIR = '/srv/project-a';

describe('closeInstanceScope', () => {
  it('records the scope close in the action before the Scope’s finalizers run', async () => {
    const h = setup();
    // Besides its fibers, the instance keeps a plain run (an AbortController) that a finalizer
    // of its Scope aborts: the finalizer runs in the closing fiber's own async context, which on
    // effect >= 4.0.1 holds no action.
    const controller = new AbortController();
    const plain = h.lifecycle.trackRun({ runId: 'plain', scope: DIR, signal: controller.signal });
    controller.signal.addEventListener('abort', () => plain.end({ outcome: 'error', error: controller.signal.reason }));
    const order: string[] = [];
    const program = Effect.gen(function* () {
      const scope = yield* Scope.make();
      yield* Scope.addFinalizer(
        scope,
        Effect.sync(() => {
          order.push(`finalizer: plain run ${plain.classification ?? 'still open'}`);
          controller.abort();
        }),
      );
      for (const runId of ['f1', 'f2'])
        yield* Effect.forkIn(trackedRun(h.lifecycle, { runId, scope: DIR })(Effect.never), scope);
      yield* settle;
      yield* closeInstanceScope(h.lifecycle, scope, DIR).pipe(withLifecycleAction(h.lifecycle, 'instance_dispose'));
    });
    await Effect.runPromise(program);
    expect(order).toEqual(['finalizer: plain run local_instance_dispose']);
    const [action] = h.actionSpans();
    for (const runId of ['plain', 'f1', 'f2']) {
      expect({ runId, ...closeOf(h, runId) }).toEqual({
        runId,
        classification: 'local_instance_dispose',
        provenance: 'context',
        actionId: action!.attributes['session_host.lifecycle.action.id'],
      });
    }
    expect(action!.attributes['session_host.lifecycle.runs_interrupted']).toBe(3);
    expect(h.named('run closed')).toHaveLength(3);
  });

  it('reports a Scope that is already closed, and still closes nothing twice', async () => {
    const h = setup();
    const diag = captureDiag();
    try {
      const scope = Scope.makeUnsafe();
      await Effect.runPromise(Scope.close(scope, Exit.void));
      await Effect.runPromise(
        closeInstanceScope(h.lifecycle, scope, DIR).pipe(withLifecycleAction(h.lifecycle, 'instance_dispose')),
      );
      expect(diag.lines.join('\n')).toMatch(/closeInstanceScope was given a Scope that is already closed/);
      expect(h.actionSpans()[0]!.attributes['session_host.lifecycle.runs_interrupted']).toBe(0);
    } finally {
      diag.restore();
    }
  });

  it('reports a value that is not a Scope and succeeds without closing anything', async () => {
    const h = setup();
    const diag = captureDiag();
    try {
      const result = await Effect.runPromiseExit(closeInstanceScope(h.lifecycle, {} as Scope.Closeable, DIR));
      expect(Exit.isSuccess(result)).toBe(true);
      expect(diag.lines.join('\n')).toMatch(/closeInstanceScope was given an object, not a Scope/);
    } finally {
      diag.restore();
    }
  });
});

describe('recordScopeClose and inLifecycleAction', () => {
  it('attribute plain closes made from a fiber to the action the fiber works for', async () => {
    const h = setup();
    const a = new AbortController();
    const b = new AbortController();
    const runA = h.lifecycle.trackRun({ runId: 'a', scope: DIR, signal: a.signal });
    const runB = h.lifecycle.trackRun({ runId: 'b', scope: '/srv/other', signal: b.signal });
    b.signal.addEventListener('abort', () => runB.end({ outcome: 'error' }));
    const interrupted = await Effect.runPromise(
      Effect.gen(function* () {
        yield* settle; // later than the action's first synchronous step
        const count = yield* recordScopeClose(h.lifecycle, DIR);
        yield* inLifecycleAction(h.lifecycle, () => b.abort());
        return count;
      }).pipe(withLifecycleAction(h.lifecycle, 'instance_reload')),
    );
    expect(interrupted).toBe(1);
    runA.end({ outcome: 'error' }); // the host stops the run later; the close was recorded in the action
    expect(closeOf(h, 'a').classification).toBe('local_instance_reload');
    expect(closeOf(h, 'b').classification).toBe('local_instance_reload');
    expect(closeOf(h, 'b').provenance).toBe('context');
  });
});
