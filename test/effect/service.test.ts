import { Context, Effect, Fiber, Layer } from 'effect';
import { describe, expect, it } from 'vitest';
import { instrumentEffectService, trackedRun } from 'otel-session-lifecycle/effect';
import { captureDiag } from '../utils/harness.js';
import { closeOf, setup, settle, type EffectHarness } from './setup.js';

interface Store {
  readonly start: (directory: string, runId: string) => Effect.Effect<void>;
  readonly reload: (ctx: { readonly directory: string }) => Effect.Effect<number>;
  readonly disposeAll: () => Effect.Effect<void>;
  readonly legacy: (directory: string) => Promise<string>;
  readonly size: () => number;
}

class StoreService extends Context.Service<StoreService, Store>()('test/Store') {}

/** A store built by a Layer, whose lifecycle methods return Effects that interrupt run fibers. */
function storeLayer(h: EffectHarness, log: string[]) {
  return Layer.effect(
    StoreService,
    Effect.sync(() => {
      const fibers = new Map<string, Array<Fiber.Fiber<void>>>();
      const store: Store = {
        start: (directory, runId) =>
          Effect.gen(function* () {
            const fiber = yield* Effect.forkDetach(trackedRun(h.lifecycle, { runId, scope: directory })(Effect.never));
            fibers.set(directory, [...(fibers.get(directory) ?? []), fiber]);
          }),
        reload: ({ directory }) => {
          log.push(`reload built for ${directory.length} chars`);
          return Effect.gen(function* () {
            log.push('reload runs');
            const running = fibers.get(directory) ?? [];
            fibers.delete(directory);
            yield* Fiber.interruptAll(running);
            return running.length;
          });
        },
        disposeAll: () =>
          Effect.forEach([...fibers.keys()], (directory) => instrumented.reload({ directory }), { discard: true }),
        legacy: async (directory) => `legacy ${directory.length}`,
        size: () => fibers.size,
      };
      const instrumented = instrumentEffectService(h.lifecycle, store, {
        reload: 'instance_reload',
        disposeAll: 'instance_dispose_all',
        legacy: 'instance_dispose',
      });
      return instrumented;
    }),
  );
}

describe('instrumentEffectService', () => {
  it('runs the Effect a method returns as the action: not when it is built, from its start to its exit', async () => {
    const h = setup();
    const log: string[] = [];
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* StoreService;
        yield* store.start('/srv/a', 'r1');
        yield* store.start('/srv/a', 'r2');
        yield* settle;
        const reload = store.reload({ directory: '/srv/a' });
        const builtOnly = h.actionSpans().length + h.lifecycle.stateCounts().activeActions;
        return { builtOnly, interrupted: yield* reload };
      }).pipe(Effect.provide(storeLayer(h, log))),
    );
    expect(result).toEqual({ builtOnly: 0, interrupted: 2 });
    expect(log).toEqual(['reload built for 6 chars', 'reload runs']);
    const [action] = h.actionSpans();
    expect(action?.name).toBe('lifecycle instance_reload');
    expect(action?.attributes['session_host.lifecycle.runs_interrupted']).toBe(2);
    expect(action?.attributes['session_host.lifecycle.scope_keys']).toEqual([h.lifecycle.scopeKey('/srv/a')]);
    expect(closeOf(h, 'r1')).toMatchObject({ classification: 'local_instance_reload', provenance: 'context' });
    expect(closeOf(h, 'r2')).toMatchObject({ classification: 'local_instance_reload', provenance: 'context' });
  });

  it('makes a disposeAll that calls the wrapped methods per instance one action', async () => {
    const h = setup();
    await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* StoreService;
        for (const dir of ['/srv/a', '/srv/b', '/srv/c']) yield* store.start(dir, `run-${dir.at(-1)}`);
        yield* settle;
        yield* store.disposeAll();
      }).pipe(Effect.provide(storeLayer(h, []))),
    );
    const actions = h.actionSpans();
    expect(actions.map((s) => s.name)).toEqual(['lifecycle instance_dispose_all']);
    expect(actions[0]!.attributes['session_host.lifecycle.runs_interrupted']).toBe(3);
    for (const runId of ['run-a', 'run-b', 'run-c'])
      expect(closeOf(h, runId).classification).toBe('local_instance_dispose');
  });

  it('passes a method’s value that is not an Effect through and reports it; unmapped members are untouched', async () => {
    const h = setup();
    const diag = captureDiag();
    try {
      const store = await Effect.runPromise(
        Effect.gen(function* () {
          return yield* StoreService;
        }).pipe(Effect.provide(storeLayer(h, []))),
      );
      await expect(store.legacy('/srv/a')).resolves.toBe('legacy 6');
      expect(store.size()).toBe(0);
      expect(diag.lines.join('\n')).toMatch(/legacy returned an object, not an Effect; passed through/);
      expect(h.actionSpans()).toHaveLength(0);
    } finally {
      diag.restore();
    }
  });

  it('leaves the original service untouched and throws at set-up for a method the service does not have', () => {
    const h = setup();
    const reload = () => Effect.void;
    const service = Object.freeze({ reload });
    const wrapped = instrumentEffectService(h.lifecycle, service, { reload: 'instance_reload' });
    expect(service.reload).toBe(reload);
    expect(wrapped.reload).not.toBe(reload);
    expect(() => instrumentEffectService(h.lifecycle, service, { dispose: 'instance_dispose' } as never)).toThrow(
      TypeError,
    );
    expect(() => instrumentEffectService(h.lifecycle, null as never, {} as never)).toThrow(TypeError);
  });

  it('takes scopes and bounded reason/origin tokens from the call', async () => {
    const h = setup();
    const service = { reload: (_dirs: readonly string[]) => Effect.void };
    const wrapped = instrumentEffectService(
      h.lifecycle,
      service,
      { reload: 'instance_reload' },
      {
        scopeOf: (_method, args) => args[0] as readonly string[],
      },
    );
    await Effect.runPromise(wrapped.reload(['/srv/a', '/srv/b']));
    const keys = h.actionSpans()[0]!.attributes['session_host.lifecycle.scope_keys'];
    expect(keys).toEqual(['/srv/a', '/srv/b'].map((d) => h.lifecycle.scopeKey(d)));
  });

  it('falls back to the default scopes (first argument) when scopeOf answers undefined or throws', async () => {
    const h = setup();
    const service = {
      reload: (_ctx: { readonly directory: string }) => Effect.void,
      dispose: (_directory: string) => Effect.void,
      disposeAll: () => Effect.void,
    };
    const diag = captureDiag();
    try {
      const wrapped = instrumentEffectService(
        h.lifecycle,
        service,
        { reload: 'instance_reload', dispose: 'instance_dispose', disposeAll: 'instance_dispose_all' },
        {
          scopeOf: (method) => {
            if (method === 'dispose') throw new RangeError('no scope for you');
            return method === 'disposeAll' ? ['/srv/x', '/srv/y'] : undefined;
          },
        },
      );
      await Effect.runPromise(wrapped.reload({ directory: '/srv/a' }));
      await Effect.runPromise(wrapped.dispose('/srv/b'));
      await Effect.runPromise(wrapped.disposeAll());
      const keys = h.actionSpans().map((s) => s.attributes['session_host.lifecycle.scope_keys']);
      expect(keys).toEqual(
        [['/srv/a'], ['/srv/b'], ['/srv/x', '/srv/y']].map((d) => d.map((dir) => h.lifecycle.scopeKey(dir))),
      );
      expect(diag.lines.join('\n')).toMatch(/scopeOf for dispose failed \(RangeError\)/);
    } finally {
      diag.restore();
    }
  });
});
