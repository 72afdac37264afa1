// defineEffectAction: an Effect-returning function made a lifecycle action where it is defined, so
// every caller (a promise facade, a layer finalizer, the store's own internal calls) goes through it.
import { Cause, Context, Effect, Exit, Fiber, Layer } from 'effect';
import { describe, expect, it } from 'vitest';
import {
  currentLifecycleActionId,
  defineEffectAction,
  recordScopeClose,
  trackedRun,
} from 'otel-session-lifecycle/effect';
import { DIR_A, DIR_B, expectedKey } from '../utils/dirs.js';
import { captureDiag } from '../utils/harness.js';
import { closeOf, setup, settle } from './setup.js';

const kindsOf = (h: ReturnType<typeof setup>) =>
  h.actionSpans().map((s) => s.attributes['session_host.lifecycle.kind']);

describe('defineEffectAction', () => {
  it('runs every call’s Effect as one action from its start to its exit, not when it is built', async () => {
    const h = setup();
    const seen: Array<string | undefined> = [];
    const reload = defineEffectAction(h.lifecycle, 'instance_reload', (directory: string) =>
      Effect.gen(function* () {
        yield* settle;
        seen.push(yield* currentLifecycleActionId);
        return directory.length;
      }),
    );
    const effect = reload(DIR_A);
    expect(h.actionSpans()).toHaveLength(0);
    expect(h.lifecycle.stateCounts().activeActions).toBe(0);
    expect(await Effect.runPromise(effect)).toBe(DIR_A.length);
    // The same Effect run again is a second action: one per run, as the Effect's own spans are.
    expect(await Effect.runPromise(effect)).toBe(DIR_A.length);
    const ids = h.actionSpans().map((s) => s.attributes['session_host.lifecycle.action.id']);
    expect(seen).toEqual(ids);
    expect(new Set(ids).size).toBe(2);
    expect(kindsOf(h)).toEqual(['instance_reload', 'instance_reload']);
    expect(h.actionSpans()[0]!.attributes['session_host.lifecycle.scope_keys']).toEqual([expectedKey(DIR_A)]);
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  });

  it('covers the callers that never see a service: a promise facade, a layer finalizer, internal calls', async () => {
    const h = setup();
    const disposed: string[] = [];
    const dispose = defineEffectAction(h.lifecycle, 'instance_dispose', (directory: string) =>
      Effect.sync(() => disposed.push(directory)).pipe(Effect.andThen(recordScopeClose(h.lifecycle, directory))),
    );
    // The store's own dispose-all calls its internal dispose: the same defined function, joined.
    const disposeAll = defineEffectAction(h.lifecycle, 'instance_dispose_all', () =>
      Effect.forEach([DIR_A, DIR_B], (d) => dispose(d), { concurrency: 'unbounded' }),
    );
    class Store extends Context.Service<Store, { readonly ping: Effect.Effect<void> }>()('test/Store') {}
    const layer = Layer.effect(
      Store,
      Effect.gen(function* () {
        yield* Effect.addFinalizer(() => disposeAll());
        return { ping: Effect.void };
      }),
    );
    const runs = [DIR_A, DIR_B].map((scope, i) =>
      Effect.runFork(trackedRun(h.lifecycle, { runId: `r${i}`, scope })(Effect.never)),
    );
    await Effect.runPromise(settle);
    // A promise facade calling the internal function, as a host's runtime module does.
    const facade = { disposeAll: () => Effect.runPromise(disposeAll()) };
    await facade.disposeAll();
    await Effect.runPromise(Fiber.interruptAll(runs));
    const program = Effect.gen(function* () {
      yield* (yield* Store).ping;
    });
    await Effect.runPromise(program.pipe(Effect.provide(layer)));
    expect(disposed).toEqual([DIR_A, DIR_B, DIR_A, DIR_B]);
    expect(kindsOf(h)).toEqual(['instance_dispose_all', 'instance_dispose_all']);
    const [first] = h.actionSpans();
    expect(first!.attributes['session_host.lifecycle.runs_interrupted']).toBe(2);
    expect(first!.attributes['session_host.lifecycle.scope_keys']).toEqual([expectedKey(DIR_A), expectedKey(DIR_B)]);
    for (const runId of ['r0', 'r1']) {
      expect(closeOf(h, runId)).toEqual({
        classification: 'local_instance_dispose',
        provenance: 'context',
        actionId: first!.attributes['session_host.lifecycle.action.id'],
      });
    }
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  });

  it('passes this, values, failures and interruptions through; keeps the name and length', async () => {
    const h = setup();
    class ReloadRejected extends Error {
      override readonly name = 'ReloadRejected';
    }
    const store = {
      prefix: 'v',
      reload: defineEffectAction(h.lifecycle, 'instance_reload', function reload(this: { prefix: string }, n: number) {
        return n < 0 ? Effect.fail(new ReloadRejected('no')) : Effect.succeed(`${this.prefix}${n}`);
      }),
    };
    expect(await Effect.runPromise(store.reload(2))).toBe('v2');
    const failed = await Effect.runPromiseExit(store.reload(-1));
    expect(Exit.isFailure(failed) && Cause.squash(failed.cause) instanceof ReloadRejected).toBe(true);
    expect(store.reload.name).toBe('reload');
    expect(store.reload.length).toBe(1);
    const hang = defineEffectAction(h.lifecycle, 'instance_dispose', (_dir: string) => Effect.never);
    const fiber = Effect.runFork(hang(DIR_A));
    await Effect.runPromise(settle);
    const exit = await Effect.runPromise(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))));
    expect(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)).toBe(true);
    expect(h.actionSpans().map((s) => s.attributes['session_host.lifecycle.outcome'])).toEqual(['ok', 'error', 'ok']);
  });

  it('takes a function made with Effect.fn, as Effect services define theirs', async () => {
    const h = setup();
    const dispose = defineEffectAction(
      h.lifecycle,
      'instance_dispose',
      Effect.fn('InstanceStore.dispose')(function* (directory: string) {
        yield* settle;
        return `${directory} ${yield* currentLifecycleActionId}`;
      }),
    );
    const said = await Effect.runPromise(dispose(DIR_A));
    const [action] = h.actionSpans();
    expect(said).toBe(`${DIR_A} ${action!.attributes['session_host.lifecycle.action.id']}`);
    expect(action!.attributes['session_host.lifecycle.scope_keys']).toEqual([expectedKey(DIR_A)]);
  });

  it('reads scopes from the first argument by default and when scopeOf answers undefined; details too', async () => {
    const h = setup();
    const byContext = defineEffectAction(h.lifecycle, 'instance_dispose', (_ctx: { directory: string }) => Effect.void);
    const mapped = defineEffectAction(h.lifecycle, 'instance_reload', (_dir: string, _force: boolean) => Effect.void, {
      scopeOf: ([dir, force]) => (force ? undefined : [dir, DIR_A]),
      detailsOf: ([, force]) => ({ reason: force ? 'forced' : 'config_change', origin: 'http' }),
    });
    await Effect.runPromise(byContext({ directory: DIR_A }));
    await Effect.runPromise(mapped(DIR_B, true));
    await Effect.runPromise(mapped(DIR_B, false));
    const spans = h.actionSpans();
    expect(spans.map((s) => s.attributes['session_host.lifecycle.scope_keys'])).toEqual([
      [expectedKey(DIR_A)],
      [expectedKey(DIR_B)],
      [expectedKey(DIR_B), expectedKey(DIR_A)],
    ]);
    expect(spans.map((s) => s.attributes['session_host.lifecycle.reason'])).toEqual([
      undefined,
      'forced',
      'config_change',
    ]);
    expect(spans[2]!.attributes['session_host.lifecycle.origin']).toBe('http');
  });

  it('throws a TypeError at set-up for a bad instrumentation, kind, function or option', () => {
    const h = setup();
    const fn = (_dir: string) => Effect.void;
    expect(() => defineEffectAction({} as never, 'instance_reload', fn)).toThrow(TypeError);
    expect(() => defineEffectAction(h.lifecycle, 42 as never, fn)).toThrow(TypeError);
    expect(() => defineEffectAction(h.lifecycle, 'instance_reload', 'reload' as never)).toThrow(TypeError);
    expect(() => defineEffectAction(h.lifecycle, 'instance_reload', fn, { scopeOf: 'dir' as never })).toThrow(
      TypeError,
    );
    expect(() => defineEffectAction(h.lifecycle, 'instance_reload', fn, { detailsOf: 1 as never })).toThrow(TypeError);
  });

  it('never throws into a call: a value that is not an Effect and a throwing scopeOf are reported', async () => {
    const diag = captureDiag();
    try {
      const h = setup();
      const notEffect = defineEffectAction(h.lifecycle, 'instance_reload', (() => 'plain') as never) as () => unknown;
      expect(notEffect()).toBe('plain');
      const throwing = defineEffectAction(h.lifecycle, 'instance_dispose', (_dir: string) => Effect.succeed(1), {
        scopeOf: () => {
          throw new Error(`lost ${DIR_B}`);
        },
      });
      expect(await Effect.runPromise(throwing(DIR_A))).toBe(1);
      expect(h.actionSpans()[0]!.attributes['session_host.lifecycle.scope_keys']).toEqual([expectedKey(DIR_A)]);
      const text = diag.lines.join('\n');
      expect(text).toContain("defineEffectAction 'instance_reload': the function returned a string");
      expect(text).toContain("scopeOf for defineEffectAction 'instance_dispose' failed (Error)");
      expect(text).not.toContain(DIR_B);
    } finally {
      diag.restore();
    }
  });
});
