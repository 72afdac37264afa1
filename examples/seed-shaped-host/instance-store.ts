// The instance store: one loaded instance per project directory, behind an Effect service. Loading
// boots an instance once; reloading swaps it for a fresh one; disposing drops it. Disposal goes
// through the disposer registry, so every service with per-directory state (the run state among
// them) drops its share. The store's own callers use its internal functions: `load` reloads
// through `reload`, the layer finalizer and the promise facade's dispose-all call `disposeAll`.
// Telemetry: the lines marked `telemetry`, and `defineEffectAction(lifecycle, kind, ...)` around the
// four lifecycle functions where they are defined, are the whole adoption in this file.
import { Context, Deferred, Effect, Layer, Scope } from 'effect';
import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle'; // telemetry
import { defineEffectAction, recordScopeClose } from 'otel-session-lifecycle/effect'; // telemetry
import { runDisposers } from './disposers.js';

export const lifecycle = new SessionLifecycleInstrumentation(); // telemetry

export interface LoadInput {
  readonly directory: string;
  /** The worktree the caller expects; an instance booted for another one is reloaded. */
  readonly worktree?: string | undefined;
}

export interface InstanceContext {
  readonly directory: string;
  readonly worktree: string;
  /** Counts boots across the store: a reloaded instance is a new context. */
  readonly generation: number;
}

export interface InstanceStoreShape {
  readonly load: (input: LoadInput) => Effect.Effect<InstanceContext>;
  readonly reload: (input: LoadInput) => Effect.Effect<InstanceContext>;
  readonly dispose: (ctx: InstanceContext) => Effect.Effect<void>;
  readonly disposeDirectory: (directory: string) => Effect.Effect<void>;
  readonly disposeAll: () => Effect.Effect<void>;
}

export class InstanceStore extends Context.Service<InstanceStore, InstanceStoreShape>()(
  'seed-shaped-host/InstanceStore',
) {}

/** The dispose-all of every store built so far, as plain promise functions (see `disposeAllLoadedInstances`). */
const loadedStores = new Set<() => Promise<void>>();

/** The promise facade's dispose-all: each store's internal `disposeAll`, with no service object in between. */
export async function disposeAllLoadedInstances(): Promise<void> {
  await Promise.all([...loadedStores].map((disposeAll) => disposeAll()));
}

type Entry = Deferred.Deferred<InstanceContext>;

const make = Effect.gen(function* () {
  const scope = yield* Scope.Scope;
  const entries = new Map<string, Entry>();
  let boots = 0;

  const boot = (input: LoadInput) =>
    Effect.sync(
      (): InstanceContext => ({
        directory: input.directory,
        worktree: input.worktree ?? input.directory,
        generation: ++boots,
      }),
    );

  // Every service drops the directory's state, each in a root fiber of its own.
  const disposeContext = (ctx: InstanceContext) =>
    Effect.gen(function* () {
      yield* recordScopeClose(lifecycle, ctx.directory); // telemetry: the disposers' root fibers lose the action
      yield* Effect.promise(() => runDisposers(ctx.directory));
    });

  const disposeEntry = (directory: string, entry: Entry) =>
    Effect.gen(function* () {
      if (entries.get(directory) !== entry) return;
      yield* disposeContext(yield* Deferred.await(entry));
      if (entries.get(directory) === entry) entries.delete(directory);
    });

  const reload = defineEffectAction(lifecycle, 'instance_reload', (input: LoadInput) =>
    Effect.gen(function* () {
      const previous = entries.get(input.directory);
      const next = Deferred.makeUnsafe<InstanceContext>();
      entries.set(input.directory, next);
      // The swap runs in the store's scope: a caller that stops waiting does not leave it half done.
      yield* Effect.gen(function* () {
        if (previous !== undefined) yield* disposeContext(yield* Deferred.await(previous));
        yield* Deferred.succeed(next, yield* boot(input));
      }).pipe(Effect.forkIn(scope, { startImmediately: true }));
      return yield* Deferred.await(next);
    }),
  );

  const load = (input: LoadInput) =>
    Effect.gen(function* () {
      const existing = entries.get(input.directory);
      if (existing !== undefined) {
        const ctx = yield* Deferred.await(existing);
        if (input.worktree === undefined || input.worktree === ctx.worktree) return ctx;
        return yield* reload(input);
      }
      const entry = Deferred.makeUnsafe<InstanceContext>();
      entries.set(input.directory, entry);
      yield* Deferred.succeed(entry, yield* boot(input));
      return yield* Deferred.await(entry);
    });

  const dispose = defineEffectAction(lifecycle, 'instance_dispose', (ctx: InstanceContext) =>
    Effect.gen(function* () {
      const entry = entries.get(ctx.directory);
      // A context that is no longer the loaded one (reloaded since) has nothing left to dispose.
      if (entry !== undefined && (yield* Deferred.await(entry)) === ctx) yield* disposeEntry(ctx.directory, entry);
    }),
  );

  const disposeDirectory = defineEffectAction(lifecycle, 'instance_dispose_directory', (directory: string) =>
    Effect.suspend(() => {
      const entry = entries.get(directory);
      return entry === undefined ? Effect.void : disposeEntry(directory, entry);
    }),
  );

  const disposeAll = defineEffectAction(lifecycle, 'instance_dispose_all', () =>
    Effect.suspend(() =>
      Effect.forEach([...entries], ([directory, entry]) => disposeEntry(directory, entry), { discard: true }),
    ),
  );

  const disposeAllPromise = () => Effect.runPromise(disposeAll());
  loadedStores.add(disposeAllPromise);
  // Releasing the store disposes every instance it still holds.
  yield* Effect.addFinalizer(() =>
    disposeAll().pipe(Effect.ensuring(Effect.sync(() => loadedStores.delete(disposeAllPromise)))),
  );

  return InstanceStore.of({ load, reload, dispose, disposeDirectory, disposeAll });
});

export const layer: Layer.Layer<InstanceStore> = Layer.effect(InstanceStore, make);
