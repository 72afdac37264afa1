// Overlapping actions on one scope: the action whose call aborted a run closes it.
import { describe, expect, it } from 'vitest';
import { gate, hostRun, setup } from './utils/harness.js';
import { outsideRun, runOutside } from './utils/outside.js';
import { DIR_A } from './utils/dirs.js';

describe('overlapping actions on one scope', () => {
  async function overlap(first: 'instance_reload' | 'instance_dispose_all') {
    const h = setup();
    const r1 = hostRun(h.lifecycle, DIR_A, 'r1');
    const r2 = hostRun(h.lifecycle, DIR_A, 'r2');
    const second = first === 'instance_reload' ? 'instance_dispose_all' : 'instance_reload';
    const firstMayAbort = gate();
    const secondDone = gate();
    const ids: Record<string, string | undefined> = {};
    const firstAction = h.lifecycle.action(first, { scopes: [DIR_A] }, async () => {
      ids[first] = h.lifecycle.activeActionId();
      await firstMayAbort.promise;
      r2.controller.abort();
      await r2.ended;
    });
    // Started from outside the first action's context, while the first is still open.
    await new Promise<void>((resolve) => runOutside(resolve));
    const secondAction = outsideRun(() =>
      h.lifecycle.action(second, { scopes: [DIR_A] }, async () => {
        ids[second] = h.lifecycle.activeActionId();
        expect(h.lifecycle.stateCounts().scopeRegistrations).toBe(2);
        r1.controller.abort();
        await r1.ended;
        firstMayAbort.open();
        await secondDone.promise;
      }),
    );
    await firstAction;
    secondDone.open();
    await secondAction;
    const byKind = (kind: string) => ids[kind];
    expect(h.runSpan('r1').attributes['session_host.lifecycle.action.id']).toBe(byKind(second));
    expect(h.runSpan('r2').attributes['session_host.lifecycle.action.id']).toBe(byKind(first));
    expect(h.runSpan('r1').attributes['session_host.close.provenance']).toBe('context');
    expect(h.runSpan('r2').attributes['session_host.close.provenance']).toBe('context');
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  }

  it('reload first, then a dispose-all reaches the scope while the reload is open', () => overlap('instance_reload'));
  it('dispose-all first, then a reload reaches the scope while the dispose-all is open', () =>
    overlap('instance_dispose_all'));

  it('actions leave the registry by identity, in any order', async () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR_A, 'late');
    const endFirst = gate();
    const endSecond = gate();
    const ids: string[] = [];
    const first = h.lifecycle.action('instance_reload', { scopes: [DIR_A] }, async () => {
      ids.push(h.lifecycle.activeActionId()!);
      await endFirst.promise;
    });
    const second = outsideRun(() =>
      h.lifecycle.action('idle_eviction', { scopes: [DIR_A] }, async () => {
        ids.push(h.lifecycle.activeActionId()!);
        await endSecond.promise;
      }),
    );
    // The newer registration ends first: the older one is the scope's top again.
    endSecond.open();
    await second;
    expect(h.lifecycle.stateCounts().scopeRegistrations).toBe(1);
    await new Promise<void>((resolve) =>
      runOutside(() => {
        a.controller.abort();
        resolve();
      }),
    );
    await a.ended;
    expect(h.runSpan('late').attributes['session_host.lifecycle.action.id']).toBe(ids[0]);
    expect(h.runSpan('late').attributes['session_host.close.provenance']).toBe('scope_registry');
    endFirst.open();
    await first;
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  });
});
