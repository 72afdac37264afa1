// The app's runtime and its promise facade, for code outside Effect (HTTP routes, a CLI): each
// function runs one store or run-state method through the service. The store's layer is built on
// top of the run state's, so on shutdown the store is released first: its finalizer disposes every
// instance while the runs are still there to be closed by it.
import { type Effect, Layer, ManagedRuntime } from 'effect';
import { InstanceStore, layer as instanceStoreLayer, type InstanceContext, type LoadInput } from './instance-store.js';
import { RunState, layer as runStateLayer } from './run-state.js';

export { disposeAllLoadedInstances } from './instance-store.js';
export type { InstanceContext, LoadInput } from './instance-store.js';

export const appLayer = instanceStoreLayer.pipe(Layer.provideMerge(runStateLayer));

/** One app: its runtime, and the promise functions the rest of the host calls. */
export function makeApp() {
  const runtime = ManagedRuntime.make(appLayer);
  const store = <A>(use: (store: InstanceStore['Service']) => Effect.Effect<A>) =>
    runtime.runPromise(InstanceStore.use(use));
  const runs = <A>(use: (runs: RunState['Service']) => Effect.Effect<A>) => runtime.runPromise(RunState.use(use));
  return {
    load: (input: LoadInput) => store((s) => s.load(input)),
    reloadInstance: (input: LoadInput) => store((s) => s.reload(input)),
    disposeInstance: (ctx: InstanceContext) => store((s) => s.dispose(ctx)),
    disposeDirectory: (directory: string) => store((s) => s.disposeDirectory(directory)),
    disposeAllInstances: () => store((s) => s.disposeAll()),
    startRun: (directory: string, sessionId: string, work: Effect.Effect<void, Error>) =>
      runs((r) => r.start(directory, sessionId, work)),
    cancelRun: (directory: string, sessionId: string) => runs((r) => r.cancel(directory, sessionId)),
    running: (directory: string) => runs((r) => r.running(directory)),
    /** Shuts the app down: the layers are released, the store's first. */
    shutdown: () => runtime.dispose(),
  };
}

export type App = ReturnType<typeof makeApp>;
