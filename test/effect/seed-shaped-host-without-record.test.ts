// Why the seed-shaped host's one `recordScopeClose` line is there: the same host and adoption with
// that call made a no-op. Its disposers invalidate per-directory state from new root fibers, which
// carry neither the fiber's action nor an AsyncLocalStorage context, so the interrupts they make
// find no action in context. What is left is the scope registry: an action that named its
// directories (reload, dispose, dispose directory) still explains its runs, from the registry; a
// dispose-all names no directory up front, so every run it closes is left unexplained.
import { Effect } from 'effect';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lifecycle } from '../../examples/seed-shaped-host/instance-store.js';
import { type App, disposeAllLoadedInstances, makeApp } from '../../examples/seed-shaped-host/runtime.js';
import { closeOf, observe, settle } from './setup.js';

vi.mock('otel-session-lifecycle/effect', async (importOriginal) => ({
  ...(await importOriginal<typeof import('otel-session-lifecycle/effect')>()),
  recordScopeClose: () => Effect.succeed(0),
}));

const ALPHA = '/srv/projects/alpha';
const BETA = '/srv/projects/beta';

let app: App | undefined;
afterEach(async () => {
  await app?.shutdown();
  app = undefined;
});

async function started() {
  const h = observe(lifecycle);
  app = makeApp();
  for (const [directory, runId] of [
    [ALPHA, 'alpha-1'],
    [BETA, 'beta-1'],
  ] as const) {
    await app.load({ directory });
    await app.startRun(directory, runId, Effect.never);
  }
  await Effect.runPromise(settle);
  return { h, app };
}

describe('the seed-shaped host without its recordScopeClose line', () => {
  it('loses the cause of every run a dispose-all closes: unknown_scope_close, the false page', async () => {
    const { h } = await started();
    await disposeAllLoadedInstances();
    expect(h.actionSpans().map((s) => s.name)).toEqual(['lifecycle instance_dispose_all']);
    for (const runId of ['alpha-1', 'beta-1']) expect(closeOf(h, runId).classification).toBe('unknown_scope_close');
    expect(h.actionSpans()[0]!.attributes['session_host.lifecycle.runs_interrupted']).toBe(0);
    expect(h.named('run closed')).toEqual([]);
  });

  it('explains a directory’s dispose only from the scope registry, not in context', async () => {
    const { h, app } = await started();
    await app.disposeDirectory(ALPHA);
    expect(closeOf(h, 'alpha-1')).toMatchObject({
      classification: 'local_instance_dispose',
      provenance: 'scope_registry',
    });
  });
});
