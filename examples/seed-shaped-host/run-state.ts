// The run state: per directory, the runners of its sessions, each a fiber forked into the scope of
// the directory's state. A user's cancel interrupts one runner; the directory's state going away
// (its cache entry invalidated by a disposer) interrupts them all: the fibers forked into its scope
// first, then the state's own finalizer stops whatever is left.
// The lines marked `telemetry` are the whole adoption of otel-session-lifecycle in this file.
import { Context, Effect, Fiber, Layer, Scope } from 'effect';
import { trackFiber, type RunHandle } from 'otel-session-lifecycle/effect'; // telemetry
import * as InstanceState from './instance-state.js';
import { lifecycle } from './instance-store.js'; // telemetry

interface Runner {
  readonly fiber: Fiber.Fiber<void, Error>;
  readonly run: RunHandle | undefined; // telemetry
}

interface DirectoryRuns {
  readonly scope: Scope.Scope;
  readonly runners: Map<string, Runner>;
}

export interface RunStateShape {
  /** Starts the session's runner in `directory`; `false` when the session already has one. */
  readonly start: (directory: string, sessionId: string, work: Effect.Effect<void, Error>) => Effect.Effect<boolean>;
  /** A user stops the session's runner. */
  readonly cancel: (directory: string, sessionId: string) => Effect.Effect<void>;
  /** How many runners `directory` has now. */
  readonly running: (directory: string) => Effect.Effect<number>;
}

export class RunState extends Context.Service<RunState, RunStateShape>()('seed-shaped-host/RunState') {}

const make = Effect.gen(function* () {
  const state = yield* InstanceState.make(() =>
    Effect.gen(function* () {
      const runs: DirectoryRuns = { scope: yield* Scope.Scope, runners: new Map() };
      yield* Effect.addFinalizer(() =>
        Effect.forEach(runs.runners.values(), (runner) => Fiber.interrupt(runner.fiber), {
          concurrency: 'unbounded',
          discard: true,
        }).pipe(Effect.ensuring(Effect.sync(() => runs.runners.clear()))),
      );
      return runs;
    }),
  );

  const start = (directory: string, sessionId: string, work: Effect.Effect<void, Error>) =>
    Effect.gen(function* () {
      const { scope, runners } = yield* InstanceState.get(state, directory);
      if (runners.has(sessionId)) return false;
      const fiber = yield* work.pipe(
        Effect.ensuring(Effect.sync(() => runners.delete(sessionId))),
        Effect.forkIn(scope),
      );
      const run = trackFiber(lifecycle, fiber, { runId: sessionId, scope: directory }); // telemetry
      runners.set(sessionId, { fiber, run }); // telemetry: the run kept with its runner
      return true;
    });

  const cancel = (directory: string, sessionId: string) =>
    Effect.gen(function* () {
      const runner = (yield* InstanceState.get(state, directory)).runners.get(sessionId);
      if (runner === undefined) return;
      runner.run?.interrupted({ userCancel: true }); // telemetry
      yield* Fiber.interrupt(runner.fiber);
    });

  const running = (directory: string) => Effect.map(InstanceState.get(state, directory), ({ runners }) => runners.size);

  return RunState.of({ start, cancel, running });
});

export const layer: Layer.Layer<RunState> = Layer.effect(RunState, make);
