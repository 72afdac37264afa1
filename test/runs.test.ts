// Tracked runs: run spans, and attribution at the moment of the interrupt (also with the context lost).
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { captureDiag, gate, hostRun, setup } from './utils/harness.js';
import { runOutside } from './utils/outside.js';
import { DIR_A, DIR_B, expectedKey } from './utils/dirs.js';

describe('trackRun and attribution at the moment of the interrupt', () => {
  it('starts a run span with the run attributes and ends it on end()', () => {
    const h = setup();
    const run = h.lifecycle.trackRun({ runId: 'run-1', sessionId: 'sess-9', scope: DIR_A });
    expect(h.named('run')).toHaveLength(0);
    run.end();
    const span = h.runSpan('run-1');
    expect(span.attributes['session_host.session.id']).toBe('sess-9');
    expect(span.attributes['session_host.scope.key']).toBe(expectedKey(DIR_A));
    expect(span.attributes['session_host.close.classification']).toBe('success');
    expect(span.attributes['session_host.close.summary_key']).toBe('success.completed');
  });

  it("annotates the host's own span instead of starting one, and leaves ending it to the host", () => {
    const h = setup();
    const hostSpan = h.provider.getTracer('host').startSpan('invoke_agent');
    const controller = new AbortController();
    const run = h.lifecycle.trackRun({ runId: 'run-2', scope: DIR_A, signal: controller.signal, span: hostSpan });
    h.lifecycle.action('instance_dispose', () => controller.abort());
    run.end({ outcome: 'error', error: controller.signal.reason });
    expect(h.named('run')).toHaveLength(0);
    expect(h.named('invoke_agent')).toHaveLength(0);
    hostSpan.end();
    const span = h.named('invoke_agent')[0]!;
    expect(span.attributes['session_host.run.id']).toBe('run-2');
    expect(span.attributes['session_host.close.classification']).toBe('local_instance_dispose');
    expect(h.closedRunSpan('run-2')!.links[0]!.context.spanId).toBe(span.spanContext().spanId);
  });

  it('each run span links back to the action that closed it, past the children cap too, and to no other', async () => {
    const h = setup({ maxClosedRunSpansPerAction: 1 });
    const close = async (kind: string, prefix: string) => {
      const runs = [0, 1, 2].map((i) => hostRun(h.lifecycle, DIR_A, `${prefix}-${i}`));
      h.lifecycle.action(kind, () => {
        for (const run of runs) run.controller.abort();
      });
      await Promise.all(runs.map((run) => run.ended));
    };
    await close('instance_reload', 'first');
    await close('instance_dispose', 'second');
    expect(h.named('run closed')).toHaveLength(2);
    for (const [prefix, kind] of [
      ['first', 'instance_reload'],
      ['second', 'instance_dispose'],
    ] as const) {
      const action = h.actionSpans().find((s) => s.name === `lifecycle ${kind}`)!;
      for (let i = 0; i < 3; i++) {
        const links = h.runSpan(`${prefix}-${i}`).links;
        expect(links).toHaveLength(1);
        expect(links[0]!.context.spanId).toBe(action.spanContext().spanId);
        expect(links[0]!.attributes).toEqual({ 'session_host.link.relation': 'closed_by' });
      }
    }
  });

  it('uses the action active in the aborting context first (provenance context)', () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR_A, 'run-ctx');
    h.lifecycle.action('instance_dispose', () => a.controller.abort());
    a.run.end();
    const span = h.runSpan('run-ctx');
    expect(span.attributes['session_host.close.provenance']).toBe('context');
    expect(span.attributes['session_host.close.classification']).toBe('local_instance_dispose');
  });

  it('falls back to the scope registry when the abort fires outside any action', async () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR_A, 'run-reg');
    const release = gate();
    await h.lifecycle.action('instance_reload', { scopes: [DIR_A] }, async () => {
      // The abort fires from a timer the host scheduled before the action: no action context.
      runOutside(() => a.controller.abort());
      await a.ended;
      release.open();
    });
    await release.promise;
    const span = h.runSpan('run-reg');
    expect(span.attributes['session_host.close.provenance']).toBe('scope_registry');
    expect(span.attributes['session_host.close.classification']).toBe('local_instance_reload');
  });

  it('classifies an interrupt that nothing explains as unknown_scope_close', () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR_A, 'run-unknown');
    a.controller.abort();
    a.run.end({ outcome: 'error', error: a.controller.signal.reason });
    const span = h.runSpan('run-unknown');
    expect(span.attributes['session_host.close.classification']).toBe('unknown_scope_close');
    expect(span.attributes['session_host.close.summary_key']).toBe('unknown_scope_close.missing_lifecycle_provenance');
    expect(span.attributes['session_host.close.provenance']).toBe('none');
    expect(span.attributes['session_host.close.missing_provenance']).toEqual(['lifecycle.close_requested']);
    expect(span.attributes['session_host.lifecycle.action.id']).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('unknown_scope_close');
    expect(span.links).toHaveLength(0);
  });

  it('attributes through interrupted() for hosts whose interrupt is not an AbortSignal', () => {
    const h = setup();
    const run = h.lifecycle.trackRun({ runId: 'fiber-1', scope: DIR_A });
    h.lifecycle.action('idle_eviction', () => run.interrupted());
    run.end();
    expect(h.runSpan('fiber-1').attributes['session_host.close.classification']).toBe('known_lifecycle_close');
    expect(h.runSpan('fiber-1').attributes['session_host.lifecycle.kind']).toBe('idle_eviction');
  });

  it('attributes a run whose host listener ends it synchronously inside abort()', () => {
    const h = setup();
    const controller = new AbortController();
    let run: ReturnType<typeof h.lifecycle.trackRun> | undefined;
    controller.signal.addEventListener('abort', () => run!.end({ outcome: 'error' }));
    run = h.lifecycle.trackRun({ runId: 'sync-end', scope: DIR_A, signal: controller.signal });
    h.lifecycle.action('instance_reload', () => controller.abort());
    expect(h.runSpan('sync-end').attributes['session_host.close.classification']).toBe('local_instance_reload');
    expect(h.runSpan('sync-end').attributes['session_host.close.provenance']).toBe('context');
  });
});

describe('an interrupt where the async context is lost', () => {
  it('is attributed through the scope registry', async () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR_B, 'lost-1');
    // A callback registered before the action, resolved from inside it: it runs in the
    // registering context, where no action is active.
    const trigger = gate();
    void trigger.promise.then(() => a.controller.abort());
    await h.lifecycle.action('instance_dispose_directory', { scopes: [DIR_B] }, async () => {
      trigger.open();
      await a.ended;
    });
    const span = h.runSpan('lost-1');
    expect(span.attributes['session_host.close.provenance']).toBe('scope_registry');
    expect(span.attributes['session_host.close.classification']).toBe('local_instance_dispose');
    expect(span.attributes['session_host.lifecycle.kind']).toBe('instance_dispose_directory');
    expect(h.closedRunSpan('lost-1')!.attributes['session_host.close.provenance']).toBe('scope_registry');
  });
});

describe('gen_ai.conversation.id', () => {
  it("is off by default, and when on carries the session id under the safe-id rule on the package's run span", () => {
    const off = setup();
    off.lifecycle.trackRun({ runId: 'r', sessionId: 'ses_1', scope: DIR_A }).end();
    expect(off.runSpan('r').attributes['gen_ai.conversation.id']).toBeUndefined();
    const on = setup({ recordConversationId: true });
    on.lifecycle.trackRun({ runId: 'safe', sessionId: 'ses_1', scope: DIR_A }).end();
    on.lifecycle.trackRun({ runId: 'unsafe', sessionId: 'sk-secret-session', scope: DIR_A }).end();
    expect(on.runSpan('safe').attributes['gen_ai.conversation.id']).toBe('ses_1');
    const hashed = on.runSpan('unsafe').attributes['gen_ai.conversation.id'];
    expect(hashed).toMatch(/^h:[0-9a-f]{16}$/);
    expect(hashed).toBe(on.runSpan('unsafe').attributes['session_host.session.id']);
  });
});

describe('interrupted runs and runs without a signal on purpose', () => {
  it('records an interrupted run as interrupted, not failed; a plain failure stays error', () => {
    const h = setup();
    const byAction = h.lifecycle.trackRun({ runId: 'by-action', scope: DIR_A });
    const byAbortError = h.lifecycle.trackRun({ runId: 'by-abort-error', scope: DIR_A });
    h.lifecycle.action('instance_reload', () => h.lifecycle.closeScope(DIR_A));
    byAction.end({ outcome: 'interrupted' });
    byAbortError.end({ error: new DOMException('aborted', 'AbortError') });
    const failed = h.lifecycle.trackRun({ runId: 'failed', scope: DIR_A });
    failed.end({ error: new TypeError('tool failed') });
    for (const runId of ['by-action', 'by-abort-error']) {
      const attributes = h.runSpan(runId).attributes;
      expect(attributes['session_host.run.outcome'], runId).toBe('interrupted');
      expect(attributes['session_host.close.classification'], runId).toBe('local_instance_reload');
    }
    expect(h.runSpan('failed').attributes['session_host.run.outcome']).toBe('error');
    expect(h.runSpan('failed').attributes['session_host.close.classification']).toBe('error');
  });

  it('an interrupted end with nothing to explain it is an unexplained interrupt', () => {
    const h = setup();
    const run = h.lifecycle.trackRun({ runId: 'lone', scope: DIR_B, signal: null });
    run.end({ outcome: 'interrupted' });
    expect(h.runSpan('lone').attributes['session_host.close.classification']).toBe('unknown_scope_close');
  });

  it('warns about a missing signal, but not for signal: null', () => {
    const diag = captureDiag();
    try {
      const quiet = setup();
      quiet.lifecycle.trackRun({ runId: 'fiber', scope: DIR_A, signal: null }).end();
      expect(diag.lines.filter((l) => l.includes('without a signal'))).toEqual([]);
      const loud = setup();
      loud.lifecycle.trackRun({ runId: 'plain', scope: DIR_A }).end();
      expect(diag.lines.filter((l) => l.includes('without a signal'))).toHaveLength(1);
    } finally {
      diag.restore();
    }
  });
});
