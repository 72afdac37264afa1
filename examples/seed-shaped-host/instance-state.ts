// Per-directory state of one service: a cache keyed by directory, each entry built on first use
// inside a Scope of its own, so invalidating a directory closes that Scope and runs the state's
// finalizers. Each cache registers a disposer that invalidates the directory from a new root fiber
// (`Effect.runPromise`): the fiber that asked for the disposal is not part of it.
import { Effect, type Scope, ScopedCache } from 'effect';
import { registerDisposer } from './disposers.js';

export interface InstanceState<A> {
  readonly cache: ScopedCache.ScopedCache<string, A>;
}

/** A per-directory state built by `init`, dropped for a directory whenever its disposers run. */
export function make<A>(
  init: (directory: string) => Effect.Effect<A, never, Scope.Scope>,
): Effect.Effect<InstanceState<A>, never, Scope.Scope> {
  return Effect.gen(function* () {
    const cache = yield* ScopedCache.make({ capacity: Number.POSITIVE_INFINITY, lookup: init });
    const unregister = registerDisposer((directory) => Effect.runPromise(ScopedCache.invalidate(cache, directory)));
    yield* Effect.addFinalizer(() => Effect.sync(unregister));
    return { cache };
  });
}

/** The state of `directory`, built now if it has none. */
export function get<A>(state: InstanceState<A>, directory: string): Effect.Effect<A> {
  return ScopedCache.get(state.cache, directory);
}
