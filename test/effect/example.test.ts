import { describe, expect, it } from 'vitest';
import { runScenario } from '../../examples/effect-host.js';
import { idOf, linkTargets } from '../utils/harness.js';
import { closeOf, setup } from './setup.js';

describe('examples/effect-host.ts', () => {
  it('records every close of the Effect host with its true cause', async () => {
    const h = setup();
    const { disposedBy } = await runScenario(h.lifecycle);
    const actions = h.actionSpans();
    expect(actions.map((s) => s.name).sort()).toEqual([
      'lifecycle instance_dispose',
      'lifecycle instance_dispose_all',
      'lifecycle instance_reload',
    ]);
    const byName = (name: string) => actions.find((s) => s.name === name)!;
    const idOfAction = (name: string) => byName(name).attributes['session_host.lifecycle.action.id'];
    expect(disposedBy).toBe(idOfAction('lifecycle instance_dispose'));

    const expected: Record<string, [string, string | undefined]> = {
      'alpha-1': ['local_instance_reload', 'lifecycle instance_reload'],
      'alpha-2': ['local_instance_reload', 'lifecycle instance_reload'],
      'beta-1': ['user_cancel', undefined],
      'beta-2': ['local_instance_dispose', 'lifecycle instance_dispose'],
      'gamma-1': ['unknown_scope_close', undefined],
      'gamma-2': ['unknown_scope_close', undefined],
      'delta-1': ['local_instance_dispose', 'lifecycle instance_dispose_all'],
      'delta-2': ['local_instance_dispose', 'lifecycle instance_dispose_all'],
      'delta-done': ['success', undefined],
      'delta-failed': ['error', undefined],
    };
    for (const [runId, [classification, action]] of Object.entries(expected)) {
      const close = closeOf(h, runId);
      expect({ runId, classification: close.classification }).toEqual({ runId, classification });
      if (action === undefined) continue;
      expect({ runId, actionId: close.actionId }).toEqual({ runId, actionId: idOfAction(action) });
      const child = h.closedRunSpan(runId)!;
      expect(child.parentSpanContext?.spanId).toBe(byName(action).spanContext().spanId);
      expect(linkTargets(child)).toEqual([idOf(h.runSpan(runId))]);
    }
    expect(h.runSpan('gamma-1').attributes['session_host.run.outcome']).toBe('interrupted');
    expect(byName('lifecycle instance_dispose_all').attributes['session_host.lifecycle.runs_interrupted']).toBe(2);
    expect(byName('lifecycle instance_reload').attributes['session_host.lifecycle.runs_interrupted']).toBe(2);
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  });
});
