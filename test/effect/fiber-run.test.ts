import { Cause, Effect, Exit, Fiber } from 'effect';
import { describe, expect, it } from 'vitest';
import { trackedRun, trackFiber, withLifecycleAction } from 'otel-session-lifecycle/effect';
import { captureDiag } from '../utils/harness.js';
import { closeOf, setup, settle } from './setup.js';

describe('trackedRun', () => {
  it('attributes the interrupt of a fiber run by a fiber that works for an action to that action', async () => {
    const h = setup();
    const runs = ['r1', 'r2'].map((runId) =>
      Effect.runFork(trackedRun(h.lifecycle, { runId, scope: '/srv/a' })(Effect.never)),
    );
    await Effect.runPromise(settle);
    await Effect.runPromise(Fiber.interruptAll(runs).pipe(withLifecycleAction(h.lifecycle, 'instance_dispose')));
    const [action] = h.actionSpans();
    for (const runId of ['r1', 'r2']) {
      expect(closeOf(h, runId)).toEqual({
        classification: 'local_instance_dispose',
        provenance: 'context',
        actionId: action!.attributes['session_host.lifecycle.action.id'],
      });
    }
    expect(action!.attributes['session_host.lifecycle.runs_interrupted']).toBe(2);
    expect(h.lifecycle.stateCounts().runsInFlight).toBe(0);
  });

  it('records an interrupt from outside any action as unknown_scope_close', async () => {
    const h = setup();
    const run = Effect.runFork(trackedRun(h.lifecycle, { runId: 'r1', scope: '/srv/a' })(Effect.never));
    await Effect.runPromise(settle);
    await Effect.runPromise(Fiber.interrupt(run));
    expect(closeOf(h, 'r1').classification).toBe('unknown_scope_close');
    expect(h.runSpan('r1').attributes['session_host.close.missing_provenance']).toEqual(['lifecycle.close_requested']);
  });

  it('does not attribute to an action that has ended, even from a fiber it forked', async () => {
    const h = setup();
    const run = Effect.runFork(trackedRun(h.lifecycle, { runId: 'r1', scope: '/srv/a' })(Effect.never));
    await Effect.runPromise(settle);
    // The reload forks a detached fiber that interrupts the run long after the reload has ended.
    const later = await Effect.runPromise(
      Effect.forkDetach(settle.pipe(Effect.andThen(settle), Effect.andThen(Fiber.interrupt(run)))).pipe(
        withLifecycleAction(h.lifecycle, 'instance_reload', { scopes: ['/srv/b'] }),
      ),
    );
    expect(h.actionSpans()).toHaveLength(1);
    await Effect.runPromise(Fiber.await(later));
    expect(closeOf(h, 'r1').classification).toBe('unknown_scope_close');
    expect(h.actionSpans()[0]!.attributes['session_host.lifecycle.runs_interrupted']).toBe(0);
  });

  it('records the fiber’s own failure as error and its success as success', async () => {
    const h = setup();
    class ToolFailed extends Error {
      override readonly name = 'ToolFailed';
    }
    const failed = await Effect.runPromiseExit(
      trackedRun(h.lifecycle, { runId: 'bad', scope: '/srv/a' })(Effect.fail(new ToolFailed('x'))),
    );
    const ok = await Effect.runPromise(trackedRun(h.lifecycle, { runId: 'ok', scope: '/srv/a' })(Effect.succeed(42)));
    expect(Exit.isFailure(failed)).toBe(true);
    expect(ok).toBe(42);
    expect(closeOf(h, 'bad').classification).toBe('error');
    expect(closeOf(h, 'ok').classification).toBe('success');
  });

  it('keeps the host’s own onInterrupt report: a user cancel stays user_cancel, the host sees its interrupt', async () => {
    const h = setup();
    const reported: string[] = [];
    const run = Effect.runFork(
      trackedRun(h.lifecycle, { runId: 'r1', scope: '/srv/a' })((handle) =>
        Effect.never.pipe(
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              reported.push('host saw its interrupt');
              handle.end({ outcome: 'user_cancel' });
            }),
          ),
        ),
      ),
    );
    await Effect.runPromise(settle);
    const exit = await Effect.runPromise(Fiber.interrupt(run).pipe(Effect.andThen(Fiber.await(run))));
    expect(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)).toBe(true);
    expect(reported).toEqual(['host saw its interrupt']);
    expect(closeOf(h, 'r1').classification).toBe('user_cancel');
  });

  it('attributes an interrupt made from a plain lifecycle.action() (AsyncLocalStorage) to that action', async () => {
    const h = setup();
    const run = Effect.runFork(trackedRun(h.lifecycle, { runId: 'r1', scope: '/srv/a' })(Effect.never));
    await Effect.runPromise(settle);
    await h.lifecycle.action('instance_reload', () => Effect.runPromise(Fiber.interrupt(run)));
    expect(closeOf(h, 'r1').classification).toBe('local_instance_reload');
  });
});

describe('trackFiber', () => {
  it('tracks a fiber already forked, with the same attribution', async () => {
    const h = setup();
    const fiber = Effect.runFork(Effect.never);
    const run = trackFiber(h.lifecycle, fiber, { runId: 'r1', scope: '/srv/a' });
    expect(run?.runId).toBe('r1');
    await Effect.runPromise(Fiber.interrupt(fiber).pipe(withLifecycleAction(h.lifecycle, 'instance_reload')));
    expect(closeOf(h, 'r1').classification).toBe('local_instance_reload');
    expect(h.lifecycle.stateCounts().runsInFlight).toBe(0);
  });

  it('reports a finished fiber and a non-fiber on the diag logger and tracks nothing', async () => {
    const h = setup();
    const diag = captureDiag();
    try {
      const done = Effect.runFork(Effect.succeed(1));
      await Effect.runPromise(Fiber.await(done));
      expect(trackFiber(h.lifecycle, done, { runId: 'r1', scope: '/srv/a' })).toBeUndefined();
      expect(
        trackFiber(h.lifecycle, { id: 1 } as unknown as Fiber.Fiber<unknown>, { runId: 'r2', scope: '/srv/a' }),
      ).toBeUndefined();
      expect(diag.lines.join('\n')).toMatch(/already exited/);
      expect(diag.lines.join('\n')).toMatch(/trackFiber was given an object, not a fiber/);
      expect(h.lifecycle.stateCounts().runsInFlight).toBe(0);
    } finally {
      diag.restore();
    }
  });
});

describe('how a fiber run ends', () => {
  it('records a fiber closed by an interrupt as interrupted, not as a failed run', async () => {
    const h = setup();
    const byAction = Effect.runFork(trackedRun(h.lifecycle, { runId: 'closed', scope: '/srv/a' })(Effect.never));
    const fromOutside = Effect.runFork(trackedRun(h.lifecycle, { runId: 'crash', scope: '/srv/b' })(Effect.never));
    await Effect.runPromise(settle);
    await Effect.runPromise(Fiber.interrupt(byAction).pipe(withLifecycleAction(h.lifecycle, 'instance_reload')));
    await Effect.runPromise(Fiber.interrupt(fromOutside));
    for (const runId of ['closed', 'crash']) {
      const { attributes } = h.runSpan(runId);
      expect({ runId, outcome: attributes['session_host.run.outcome'] }).toEqual({ runId, outcome: 'interrupted' });
      expect(attributes['session_host.run.error.fingerprint'], runId).toBeUndefined();
    }
    expect(h.closedRunSpan('closed')!.attributes['session_host.run.outcome']).toBe('interrupted');
    expect(closeOf(h, 'closed').classification).toBe('local_instance_reload');
    expect(closeOf(h, 'crash').classification).toBe('unknown_scope_close');
  });

  it('keeps a failure that comes with an interrupt an error', async () => {
    const h = setup();
    class ToolFailed extends Error {
      override readonly name = 'ToolFailed';
    }
    const body = Effect.never.pipe(Effect.onInterrupt(() => Effect.die(new ToolFailed('x'))));
    const run = Effect.runFork(trackedRun(h.lifecycle, { runId: 'r1', scope: '/srv/a' })(body));
    await Effect.runPromise(settle);
    await Effect.runPromise(Fiber.interrupt(run));
    expect(h.runSpan('r1').attributes['session_host.run.outcome']).toBe('error');
    expect(h.runSpan('r1').attributes['session_host.run.error.fingerprint']).toBe('ToolFailed');
  });

  it('logs no "trackRun without a signal" for fiber runs, as trackedRun and trackFiber are used', async () => {
    const diag = captureDiag();
    try {
      const h = setup();
      const tracked = Effect.runFork(trackedRun(h.lifecycle, { runId: 'r1', scope: '/srv/a' })(Effect.never));
      const forked = Effect.runFork(Effect.never);
      trackFiber(h.lifecycle, forked, { runId: 'r2', scope: '/srv/a' });
      await Effect.runPromise(settle);
      await Effect.runPromise(Fiber.interruptAll([tracked, forked]));
      const warnings = () => diag.lines.filter((l) => l.includes('trackRun without a signal'));
      expect(warnings()).toEqual([]);
      expect(h.lifecycle.stateCounts().runsInFlight).toBe(0);
      // The control: a plain run with no signal still says so.
      setup().lifecycle.trackRun({ runId: 'r3', scope: '/srv/a' }).end();
      expect(warnings()).toHaveLength(1);
    } finally {
      diag.restore();
    }
  });

  it('keeps a signal the host gives a fiber run: its abort is the interrupt', async () => {
    const h = setup();
    const controller = new AbortController();
    const run = Effect.runFork(
      trackedRun(h.lifecycle, { runId: 'r1', scope: '/srv/a', signal: controller.signal })(Effect.never),
    );
    await Effect.runPromise(settle);
    h.lifecycle.action('instance_dispose', () => controller.abort());
    await Effect.runPromise(Fiber.interrupt(run));
    expect(closeOf(h, 'r1').classification).toBe('local_instance_dispose');
  });
});
