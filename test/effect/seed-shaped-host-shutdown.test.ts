// Shutting the seed-shaped host down when its layers are composed the other way round: the run
// state on top of the store (as an app layer that merges its services over the instance layer
// does) is released first, and its per-directory caches close their runs themselves, before the
// store's finalizer can dispose anything. Those closes have no cause. Shutting down inside one
// lifecycle action gives them one: the store's finalizer joins it.
import { Effect, Layer, ManagedRuntime } from 'effect';
import { describe, expect, it } from 'vitest';
import { InstanceStore, lifecycle, layer as storeLayer } from '../../examples/seed-shaped-host/instance-store.js';
import { RunState, layer as runStateLayer } from '../../examples/seed-shaped-host/run-state.js';
import { closeOf, observe, settle } from './setup.js';

/** A runtime with the run state released before the store, one loaded instance and one run in it. */
async function runStateReleasedFirst(runId: string) {
  const runtime = ManagedRuntime.make(runStateLayer.pipe(Layer.provideMerge(storeLayer)));
  await runtime.runPromise(InstanceStore.use((store) => store.load({ directory: '/srv/projects/alpha' })));
  await runtime.runPromise(RunState.use((runs) => runs.start('/srv/projects/alpha', runId, Effect.never)));
  await Effect.runPromise(settle);
  return runtime;
}

describe('the seed-shaped host shut down with the run state released before the store', () => {
  it('closes its runs unexplained: the store’s dispose-all comes too late', async () => {
    const h = observe(lifecycle);
    const runtime = await runStateReleasedFirst('r1');
    await runtime.dispose();
    expect(closeOf(h, 'r1').classification).toBe('unknown_scope_close');
    expect(h.actionSpans().map((s) => s.attributes['session_host.lifecycle.runs_interrupted'])).toEqual([0]);
  });

  it('explains them when the shutdown itself is the dispose-all action, which the finalizer joins', async () => {
    const h = observe(lifecycle);
    const runtime = await runStateReleasedFirst('r1');
    await lifecycle.action('instance_dispose_all', () => runtime.dispose());
    const actions = h.actionSpans();
    expect(actions.map((s) => s.name)).toEqual(['lifecycle instance_dispose_all']);
    expect(closeOf(h, 'r1')).toEqual({
      classification: 'local_instance_dispose',
      provenance: 'context',
      actionId: actions[0]!.attributes['session_host.lifecycle.action.id'],
    });
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  });
});
