import { Cause, Effect, Exit, Fiber } from 'effect';
import { describe, expect, it } from 'vitest';
import {
  currentLifecycleActionId,
  trackedRun,
  withActionHandle,
  withLifecycleAction,
} from 'otel-session-lifecycle/effect';
import { captureDiag } from '../utils/harness.js';
import { closeOf, setup, settle } from './setup.js';

describe('withLifecycleAction', () => {
  it('begins the action when the Effect starts and ends it when the Effect exits, not when it is built', async () => {
    const h = setup();
    const seen: Array<{ id: string | undefined; ended: number }> = [];
    const program = Effect.gen(function* () {
      yield* settle;
      seen.push({ id: yield* currentLifecycleActionId, ended: h.actionSpans().length });
      return 'reloaded';
    }).pipe(withLifecycleAction(h.lifecycle, 'instance_reload', { scopes: ['/srv/a'] }));
    expect(h.actionSpans()).toHaveLength(0);
    expect(h.lifecycle.stateCounts().activeActions).toBe(0);
    await expect(Effect.runPromise(program)).resolves.toBe('reloaded');
    const [action] = h.actionSpans();
    expect(action?.name).toBe('lifecycle instance_reload');
    expect(seen).toEqual([{ id: action!.attributes['session_host.lifecycle.action.id'], ended: 0 }]);
    expect(await Effect.runPromise(currentLifecycleActionId)).toBeUndefined();
    expect(h.lifecycle.stateCounts().activeActions).toBe(0);
  });

  it('passes a failure through and records it on the action span', async () => {
    const h = setup();
    class ReloadFailed extends Error {
      override readonly name = 'ReloadFailed';
    }
    const failure = new ReloadFailed('config at /home/carol/x is broken');
    const exit = await Effect.runPromiseExit(
      Effect.fail(failure).pipe(withLifecycleAction(h.lifecycle, 'instance_reload')),
    );
    expect(exit).toEqual(Exit.fail(failure));
    const [action] = h.actionSpans();
    expect(action?.status.code).toBe(2);
    expect(JSON.stringify(action?.attributes)).not.toContain('carol');
  });

  it('ends the action when the Effect is interrupted, and the interruption passes through', async () => {
    const h = setup();
    const fiber = Effect.runFork(Effect.never.pipe(withLifecycleAction(h.lifecycle, 'instance_dispose')));
    await Effect.runPromise(settle);
    expect(h.actionSpans()).toHaveLength(0);
    const exit = await Effect.runPromise(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))));
    expect(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)).toBe(true);
    expect(h.actionSpans().map((s) => s.name)).toEqual(['lifecycle instance_dispose']);
  });

  it('joins an action the fiber already works for: disposeAll forking dispose per instance is one action', async () => {
    const h = setup();
    const dispose = (dir: string) =>
      settle.pipe(withLifecycleAction(h.lifecycle, 'instance_dispose', { scopes: [dir] }));
    const disposeAll = Effect.forEach(['/srv/a', '/srv/b', '/srv/c'], dispose, { concurrency: 'unbounded' }).pipe(
      withLifecycleAction(h.lifecycle, 'instance_dispose_all'),
    );
    await Effect.runPromise(disposeAll);
    expect(h.actionSpans().map((s) => s.name)).toEqual(['lifecycle instance_dispose_all']);
  });

  it('attributes an interrupt made by a fiber the action forked to that action', async () => {
    const h = setup();
    const run = Effect.runFork(trackedRun(h.lifecycle, { runId: 'r1', scope: '/srv/a' })(Effect.never));
    await Effect.runPromise(settle);
    const reload = Effect.gen(function* () {
      const helper = yield* Effect.forkChild(settle.pipe(Effect.andThen(Fiber.interrupt(run))));
      yield* Fiber.join(helper);
    }).pipe(withLifecycleAction(h.lifecycle, 'instance_reload'));
    await Effect.runPromise(reload);
    const [action] = h.actionSpans();
    expect(closeOf(h, 'r1')).toEqual({
      classification: 'local_instance_reload',
      provenance: 'context',
      actionId: action!.attributes['session_host.lifecycle.action.id'],
    });
    expect(action!.attributes['session_host.lifecycle.runs_interrupted']).toBe(1);
    expect(h.closedRunSpan('r1')?.parentSpanContext?.spanId).toBe(action!.spanContext().spanId);
  });

  it('reports a value that is not an Effect on the diag logger and returns it as it is', () => {
    const h = setup();
    const diag = captureDiag();
    try {
      const value = { not: 'an effect' };
      const wrap = withLifecycleAction(h.lifecycle, 'instance_reload') as (v: unknown) => unknown;
      expect(wrap(value)).toBe(value);
      expect(diag.lines.join('\n')).toMatch(
        /withLifecycleAction\('instance_reload'\) was given an object, not an Effect/,
      );
      expect(h.actionSpans()).toHaveLength(0);
    } finally {
      diag.restore();
    }
  });
});

describe('withActionHandle', () => {
  it('carries out later, under the id handed out at request time, a disposal requested earlier', async () => {
    const h = setup();
    const run = Effect.runFork(trackedRun(h.lifecycle, { runId: 'r1', scope: '/srv/a' })(Effect.never));
    await Effect.runPromise(settle);
    const handle = h.lifecycle.begin('instance_dispose', { scopes: ['/srv/a'] });
    const requestedId = handle.id;
    expect(h.actionSpans()).toHaveLength(0);
    await Effect.runPromise(
      Effect.gen(function* () {
        expect(yield* currentLifecycleActionId).toBe(requestedId);
        yield* Fiber.interrupt(run);
      }).pipe(withActionHandle(h.lifecycle, handle)),
    );
    const [action] = h.actionSpans();
    expect(h.actionSpans()).toHaveLength(1);
    expect(action!.attributes['session_host.lifecycle.action.id']).toBe(requestedId);
    expect(closeOf(h, 'r1').actionId).toBe(requestedId);
    expect(closeOf(h, 'r1').classification).toBe('local_instance_dispose');
  });
});
