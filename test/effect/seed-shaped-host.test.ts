// The seed-shaped host (examples/seed-shaped-host/): a store whose disposal runs a disposer registry
// that invalidates per-directory state in new root fibers, a promise facade and a layer finalizer
// that call the store's internal functions, a load that reloads internally, and fiber runners with a
// user cancel. Each way of closing runs gives one action span of its kind, and every run it closes
// says so in context, with one `run closed` child under the action.
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Effect } from 'effect';
import { afterEach, describe, expect, it } from 'vitest';
import { runDisposers } from '../../examples/seed-shaped-host/disposers.js';
import { lifecycle } from '../../examples/seed-shaped-host/instance-store.js';
import { type App, disposeAllLoadedInstances, makeApp } from '../../examples/seed-shaped-host/runtime.js';
import { idOf, linkTargets } from '../utils/harness.js';
import { closeOf, observe, settle } from './setup.js';

const ALPHA = '/srv/projects/alpha';
const BETA = '/srv/projects/beta';
const ALPHA_RUNS = ['alpha-1', 'alpha-2'];
const BETA_RUNS = ['beta-1', 'beta-2'];
const ALL_RUNS = [...ALPHA_RUNS, ...BETA_RUNS];

type Observed = ReturnType<typeof observe>;

let app: App | undefined;
afterEach(async () => {
  await app?.shutdown();
  app = undefined;
});

/** An app with two loaded instances and two runs (fibers that work until stopped) in each. */
async function started(): Promise<{ h: Observed; app: App }> {
  const h = observe(lifecycle);
  app = makeApp();
  for (const [directory, runIds] of [
    [ALPHA, ALPHA_RUNS],
    [BETA, BETA_RUNS],
  ] as const) {
    await app.load({ directory });
    for (const runId of runIds) expect(await app.startRun(directory, runId, Effect.never)).toBe(true);
  }
  await Effect.runPromise(settle);
  return { h, app };
}

/** Exactly one action span, of `kind`, closed exactly `runIds`, each in context, one linked child per run. */
function expectOneAction(h: Observed, kind: string, runIds: readonly string[]): ReadableSpan {
  const actions = h.actionSpans();
  expect(actions.map((s) => s.name)).toEqual([`lifecycle ${kind}`]);
  const action = actions[0]!;
  const actionId = action.attributes['session_host.lifecycle.action.id'];
  const classification = kind === 'instance_reload' ? 'local_instance_reload' : 'local_instance_dispose';
  for (const runId of runIds) {
    expect({ runId, ...closeOf(h, runId) }).toEqual({ runId, classification, provenance: 'context', actionId });
    expect(h.runSpan(runId).attributes['session_host.run.outcome']).toBe('interrupted');
    const children = h.named('run closed').filter((s) => s.attributes['session_host.run.id'] === runId);
    expect(children).toHaveLength(1);
    expect(children[0]!.parentSpanContext?.spanId).toBe(action.spanContext().spanId);
    expect(linkTargets(children[0]!)).toEqual([idOf(h.runSpan(runId))]);
  }
  expect(h.named('run closed')).toHaveLength(runIds.length);
  expect(action.attributes['session_host.lifecycle.runs_interrupted']).toBe(runIds.length);
  return action;
}

/** Shuts the app down (closing what is left) and checks nothing is left in the package's state. */
async function expectNothingLeft(h: Observed, current: App): Promise<void> {
  await current.shutdown();
  app = undefined;
  expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
}

describe('the seed-shaped host, adopted as examples/seed-shaped-host shows', () => {
  it('reload: one instance_reload action closes the instance’s runs; the fresh instance runs on', async () => {
    const { h, app } = await started();
    const reloaded = await app.reloadInstance({ directory: ALPHA });
    expect(reloaded.generation).toBe(3);
    expectOneAction(h, 'instance_reload', ALPHA_RUNS);
    expect(await app.running(ALPHA)).toBe(0);
    expect(await app.startRun(ALPHA, 'alpha-3', Effect.never)).toBe(true);
    expect(await app.running(BETA)).toBe(2);
    await expectNothingLeft(h, app);
  });

  it('load with another worktree reloads internally: one instance_reload action', async () => {
    const { h, app } = await started();
    const ctx = await app.load({ directory: ALPHA, worktree: '/srv/worktrees/alpha-feature' });
    expect(ctx.worktree).toBe('/srv/worktrees/alpha-feature');
    expectOneAction(h, 'instance_reload', ALPHA_RUNS);
    await expectNothingLeft(h, app);
  });

  it('dispose: one instance_dispose action for the instance’s runs', async () => {
    const { h, app } = await started();
    await app.disposeInstance(await app.load({ directory: BETA }));
    expectOneAction(h, 'instance_dispose', BETA_RUNS);
    await expectNothingLeft(h, app);
  });

  it('dispose directory: one instance_dispose_directory action', async () => {
    const { h, app } = await started();
    await app.disposeDirectory(ALPHA);
    expectOneAction(h, 'instance_dispose_directory', ALPHA_RUNS);
    expect(await app.running(BETA)).toBe(2);
    await expectNothingLeft(h, app);
  });

  it('dispose-all through the promise facade (the store’s internal disposeAll): one action, every run', async () => {
    const { h, app } = await started();
    await disposeAllLoadedInstances();
    const action = expectOneAction(h, 'instance_dispose_all', ALL_RUNS);
    expect(action.attributes['session_host.lifecycle.scope_keys']).toEqual([
      lifecycle.scopeKey(ALPHA),
      lifecycle.scopeKey(BETA),
    ]);
    await expectNothingLeft(h, app);
  });

  it('dispose-all through the service: one action, every run', async () => {
    const { h, app } = await started();
    await app.disposeAllInstances();
    expectOneAction(h, 'instance_dispose_all', ALL_RUNS);
    await expectNothingLeft(h, app);
  });

  it('the layer finalizer (shutting the app down): one instance_dispose_all action, every run', async () => {
    const { h, app } = await started();
    await expectNothingLeft(h, app);
    expectOneAction(h, 'instance_dispose_all', ALL_RUNS);
  });

  it('a user’s cancel is user_cancel, with no action and no run closed child', async () => {
    const { h, app } = await started();
    await app.cancelRun(ALPHA, 'alpha-1');
    expect(closeOf(h, 'alpha-1')).toEqual({ classification: 'user_cancel', provenance: 'none', actionId: undefined });
    expect(h.actionSpans()).toEqual([]);
    expect(h.named('run closed')).toEqual([]);
    expect(await app.running(ALPHA)).toBe(1);
    await expectNothingLeft(h, app);
  });

  it('a close that bypasses the store (the disposers run directly) is unknown_scope_close', async () => {
    const { h, app } = await started();
    await runDisposers(BETA);
    for (const runId of BETA_RUNS) {
      expect(closeOf(h, runId).classification).toBe('unknown_scope_close');
      expect(h.runSpan(runId).attributes['session_host.close.missing_provenance']).toEqual([
        'lifecycle.close_requested',
      ]);
    }
    expect(h.actionSpans()).toEqual([]);
    await expectNothingLeft(h, app);
  });
});
