// An Effect 4 session host, the way opencode-style hosts are written: an InstanceStore service
// built by a Layer, one Scope per instance (per project directory), runs forked into it as
// fibers, and reload / dispose / disposeAll as Effect-returning store methods. The lines marked
// `telemetry` are all the wiring the lifecycle telemetry needs; the rest is the host.
import { pathToFileURL } from 'node:url';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Context, Effect, Exit, Fiber, Layer, Scope } from 'effect';
import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';
import { renderCloseTable, renderLifecycleTree } from 'otel-session-lifecycle/view';
import {
  closeInstanceScope,
  currentLifecycleActionId,
  instrumentEffectService,
  trackedRun,
  type EffectLifecycle,
} from 'otel-session-lifecycle/effect';

export interface InstanceStoreShape {
  /** Forks a run into the instance of `directory` (made on first use); it works until `work` ends. */
  readonly startRun: (
    directory: string,
    runId: string,
    work: Effect.Effect<void, Error>,
  ) => Effect.Effect<Fiber.Fiber<void, Error>>;
  /** A user stops a run: the host interrupts its fiber, and its own onInterrupt says why. */
  readonly cancel: (runId: string) => Effect.Effect<void>;
  /** Closes the instance's runs and starts a fresh generation of it. */
  readonly reload: (directory: string) => Effect.Effect<void>;
  /** Closes the instance and forgets it; returns the id of the lifecycle action that did it. */
  readonly dispose: (directory: string) => Effect.Effect<string | undefined>;
  /** Disposes every instance, by calling `dispose` per instance, concurrently. */
  readonly disposeAll: () => Effect.Effect<void>;
  /** A worker crash: the instance's Scope closes with no lifecycle call at all. */
  readonly crash: (directory: string) => Effect.Effect<void>;
}

export class InstanceStore extends Context.Service<InstanceStore, InstanceStoreShape>()('example/InstanceStore') {}

interface Instance {
  scope: Scope.Closeable;
  generation: number;
}

function makeInstanceStore(lifecycle: EffectLifecycle) {
  return Effect.gen(function* () {
    const instances = new Map<string, Instance>();
    const fibers = new Map<string, Fiber.Fiber<void, Error>>();
    const cancelled = new Set<string>();

    const instanceOf = (directory: string) =>
      Effect.gen(function* () {
        const found = instances.get(directory);
        if (found !== undefined) return found;
        const made: Instance = { scope: yield* Scope.make(), generation: 1 };
        instances.set(directory, made);
        return made;
      });

    // telemetry: the scope close is recorded inside the action before the finalizers run.
    const closeInstance = (directory: string, instance: Instance) =>
      closeInstanceScope(lifecycle, instance.scope, directory);

    const store: InstanceStoreShape = {
      startRun: (directory, runId, work) =>
        Effect.gen(function* () {
          const instance = yield* instanceOf(directory);
          // telemetry: the fiber is a tracked run; the host's onInterrupt reports a user's cancel.
          const body = trackedRun(lifecycle, { runId, scope: directory })((run) =>
            work.pipe(
              Effect.onInterrupt(() =>
                Effect.sync(() => (cancelled.delete(runId) ? run.end({ outcome: 'user_cancel' }) : undefined)),
              ),
              Effect.ensuring(Effect.sync(() => fibers.delete(runId))),
            ),
          );
          const fiber = yield* Effect.forkIn(body, instance.scope);
          fibers.set(runId, fiber);
          return fiber;
        }),
      cancel: (runId) =>
        Effect.suspend(() => {
          const fiber = fibers.get(runId);
          if (fiber === undefined) return Effect.void;
          cancelled.add(runId);
          return Fiber.interrupt(fiber);
        }),
      reload: (directory) =>
        Effect.gen(function* () {
          const instance = instances.get(directory);
          if (instance === undefined) return;
          yield* closeInstance(directory, instance);
          instance.scope = yield* Scope.make();
          instance.generation++;
        }),
      dispose: (directory) =>
        Effect.gen(function* () {
          const instance = instances.get(directory);
          if (instance !== undefined) {
            instances.delete(directory);
            yield* closeInstance(directory, instance);
          }
          return yield* currentLifecycleActionId;
        }),
      disposeAll: () =>
        Effect.forEach([...instances.keys()], (directory) => instrumented.dispose(directory), {
          concurrency: 'unbounded',
          discard: true,
        }),
      crash: (directory) =>
        Effect.suspend(() => {
          const instance = instances.get(directory);
          if (instance === undefined) return Effect.void;
          instances.delete(directory);
          return Scope.close(instance.scope, Exit.void);
        }),
    };

    // telemetry: the store's lifecycle methods are actions; disposeAll's dispose calls join it.
    const instrumented = instrumentEffectService(lifecycle, store, {
      reload: 'instance_reload',
      dispose: 'instance_dispose',
      disposeAll: 'instance_dispose_all',
    });
    // Shutting the layer down disposes every instance: that too is a dispose-all action.
    yield* Effect.addFinalizer(() => instrumented.disposeAll());
    return instrumented;
  });
}

/** The store as a Layer, for `Effect.provide`. */
export function instanceStoreLayer(lifecycle: EffectLifecycle): Layer.Layer<InstanceStore> {
  return Layer.effect(InstanceStore, makeInstanceStore(lifecycle));
}

/**
 * A short day in the life of the host: runs in four projects, a reload, a user's cancel, a worker
 * crash nobody explains, one dispose, and the dispose-all of the layer's shutdown.
 */
export const scenario = Effect.gen(function* () {
  const store = yield* InstanceStore;
  for (const project of ['alpha', 'beta', 'gamma', 'delta']) {
    for (const n of [1, 2]) yield* store.startRun(`/srv/${project}`, `${project}-${n}`, Effect.never);
  }
  yield* store.startRun('/srv/delta', 'delta-done', Effect.void);
  yield* store.startRun('/srv/delta', 'delta-failed', Effect.fail(new Error('the tool failed')));
  yield* Effect.sleep('5 millis');
  yield* store.reload('/srv/alpha');
  yield* store.cancel('beta-1');
  yield* store.crash('/srv/gamma');
  const disposedBy = yield* store.dispose('/srv/beta');
  return { disposedBy };
});

/** Runs the scenario with the store's Layer; the Layer's shutdown disposes what is left. */
export function runScenario(lifecycle: EffectLifecycle): Promise<{ disposedBy: string | undefined }> {
  return Effect.runPromise(scenario.pipe(Effect.provide(instanceStoreLayer(lifecycle))));
}

// `npx tsx examples/effect-host.ts`: runs the scenario and prints the lifecycle trees and the
// close table from an in-memory exporter.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const exporter = new InMemorySpanExporter();
  const lifecycle = new SessionLifecycleInstrumentation();
  lifecycle.setTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  await runScenario(lifecycle);
  console.log(renderLifecycleTree(exporter.getFinishedSpans(), { width: 100 }));
  console.log(renderCloseTable(exporter.getFinishedSpans()));
}
