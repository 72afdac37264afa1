import { Effect, Exit, Fiber } from 'effect';
import { describe, expect, it } from 'vitest';
import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';
import {
  instrumentEffectService,
  trackedRun,
  withActionHandle,
  withLifecycleAction,
  type EffectLifecycle,
} from 'otel-session-lifecycle/effect';
import { captureDiag } from '../utils/harness.js';
import { setup, settle } from './setup.js';

/** An instrumentation whose every method throws: the host's Effects must not notice. */
const throwing: EffectLifecycle = {
  begin: () => {
    throw new RangeError('begin');
  },
  trackRun: () => {
    throw new RangeError('trackRun');
  },
  closeScope: () => {
    throw new RangeError('closeScope');
  },
};

describe('the Effect adapter never turns a host success into a failure', () => {
  it('runs the Effect untraced when the instrumentation throws, and reports it', async () => {
    const diag = captureDiag();
    try {
      const value = await Effect.runPromise(
        trackedRun(throwing, { runId: 'r', scope: '/srv/a' })(Effect.succeed(7)).pipe(
          withLifecycleAction(throwing, 'instance_reload'),
        ),
      );
      expect(value).toBe(7);
      expect(diag.lines.join('\n')).toMatch(/lifecycle\.begin \(the Effect runs untraced\) failed \(RangeError\)/);
      expect(diag.lines.join('\n')).toMatch(/lifecycle\.trackRun \(the run is not tracked\) failed \(RangeError\)/);
    } finally {
      diag.restore();
    }
  });

  it('passes through when handed something that is not an instrumentation or a handle', async () => {
    const diag = captureDiag();
    try {
      const bogus = {} as EffectLifecycle;
      expect(await Effect.runPromise(Effect.succeed(1).pipe(withLifecycleAction(bogus, 'instance_reload')))).toBe(1);
      const handled = Effect.succeed(2).pipe(withActionHandle(bogus, null as never));
      expect(await Effect.runPromise(handled)).toBe(2);
      const ran = await Effect.runPromise(
        trackedRun(bogus, { runId: 'r', scope: '/x' })((run) => Effect.succeed(run.runId)),
      );
      expect(ran).toBe('r');
      expect(diag.lines.length).toBeGreaterThanOrEqual(3);
    } finally {
      diag.restore();
    }
  });

  it('writes only bounded names into diag lines: error names, kinds and values are fingerprinted or typed', async () => {
    const secret = 'canary.person@example.com /home/canary-user';
    const leaky: EffectLifecycle = {
      begin: () => {
        throw Object.assign(new Error(secret), { name: secret, code: secret });
      },
      trackRun: () => {
        throw Object.assign(new RangeError(secret), { name: secret });
      },
      closeScope: () => 0,
    };
    const diag = captureDiag();
    try {
      const value = await Effect.runPromise(
        trackedRun(leaky, { runId: secret, scope: secret })(Effect.succeed(7)).pipe(
          withLifecycleAction(leaky, 'instance_reload'),
        ),
      );
      expect(value).toBe(7);
      const wrap = withLifecycleAction(leaky, secret as never) as (v: unknown) => unknown;
      expect(wrap(secret)).toBe(secret);
      const text = diag.lines.join('\n');
      expect(text).toMatch(/lifecycle\.begin \(the Effect runs untraced\) failed \(Error\)/);
      expect(text).toMatch(/lifecycle\.trackRun \(the run is not tracked\) failed \(RangeError\)/);
      expect(text).toMatch(/withLifecycleAction\(a string of length \d+\) was given a string, not an Effect/);
      expect(text).not.toContain('canary');
    } finally {
      diag.restore();
    }
  });

  it('returns a value that is not an Effect from trackedRun as it is', () => {
    const h = setup();
    const diag = captureDiag();
    try {
      const value = 42;
      expect((trackedRun(h.lifecycle, { runId: 'r', scope: '/x' }) as (v: unknown) => unknown)(value)).toBe(42);
      expect(diag.lines.join('\n')).toMatch(/trackedRun was given a number, not an Effect/);
      expect(h.lifecycle.stateCounts().runsInFlight).toBe(0);
    } finally {
      diag.restore();
    }
  });

  it('records an undeclared kind as unknown_kind and still runs the Effect', async () => {
    const h = setup({ kinds: [] });
    const exit = await Effect.runPromiseExit(
      Effect.succeed('ok').pipe(withLifecycleAction(h.lifecycle, 'instance_dispse')),
    );
    expect(exit).toEqual(Exit.succeed('ok'));
    expect(h.actionSpans().map((s) => s.name)).toEqual(['lifecycle unknown_kind']);
  });
});

describe('kinds are checked at compile time', () => {
  it('accepts built-in and declared kinds only', () => {
    const lifecycle = new SessionLifecycleInstrumentation({ kinds: ['idle_eviction'], enabled: false });
    withLifecycleAction(lifecycle, 'idle_eviction');
    withLifecycleAction(lifecycle, 'instance_dispose_all');
    // @ts-expect-error a typo is not a kind
    withLifecycleAction(lifecycle, 'instance_dispse');
    const service = { evict: () => Effect.void, reload: () => Effect.void };
    instrumentEffectService(lifecycle, service, { evict: 'idle_eviction', reload: 'instance_reload' });
    // @ts-expect-error an undeclared kind in the service map
    instrumentEffectService(lifecycle, service, { evict: 'idle_evicton' });
    expect(lifecycle.isEnabled()).toBe(false);
  });
});

describe('a lifecycle call forked inside an action', () => {
  it('joins the action when it starts before the action exits, and the action waits for it', async () => {
    const h = setup();
    const runs = ['r1', 'r2'].map((runId) =>
      Effect.runFork(trackedRun(h.lifecycle, { runId, scope: '/srv/a' })(Effect.never)),
    );
    await Effect.runPromise(settle);
    const dispose = settle.pipe(
      Effect.andThen(Fiber.interruptAll(runs)),
      withLifecycleAction(h.lifecycle, 'instance_dispose'),
    );
    // disposeAll fires dispose without awaiting it (started at once, so it joins while disposeAll is open).
    const child = await Effect.runPromise(
      Effect.forkDetach(dispose, { startImmediately: true }).pipe(
        withLifecycleAction(h.lifecycle, 'instance_dispose_all'),
      ),
    );
    expect(h.actionSpans()).toHaveLength(0);
    await Effect.runPromise(Fiber.await(child));
    const actions = h.actionSpans();
    expect(actions.map((s) => s.name)).toEqual(['lifecycle instance_dispose_all']);
    expect(actions[0]!.attributes['session_host.lifecycle.runs_interrupted']).toBe(2);
  });
});
