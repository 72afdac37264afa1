// Nothing retained and nothing thrown into the host: hooks, tracers and input that fail, disabled
// recording, and state that empties when runs and actions end.
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { SessionLifecycleInstrumentation } from '../src/index.js';
import { DIR_A, DIR_B } from './utils/dirs.js';
import { captureDiag, hostRun, setup } from './utils/harness.js';

describe('nothing retained, nothing thrown into the host', () => {
  it('holds no state once runs and actions end', async () => {
    const h = setup();
    const runs = Array.from({ length: 20 }, (_, i) => hostRun(h.lifecycle, `/tmp/s-${i % 4}`, `m-${i}`));
    expect(h.lifecycle.stateCounts().runsInFlight).toBe(20);
    await h.lifecycle.action('instance_dispose_all', { scopes: ['/tmp/s-0', '/tmp/s-1'] }, async () => {
      for (const r of runs.slice(0, 10)) r.controller.abort();
      await Promise.all(runs.slice(0, 10).map((r) => r.ended));
    });
    for (const r of runs.slice(10)) r.run.end();
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  });

  it('survives throwing hooks', async () => {
    const diag = captureDiag();
    try {
      const h = setup({
        actionHook: () => {
          throw new Error(`hook failed on ${DIR_A}`);
        },
        runCloseHook: () => {
          throw new Error('hook failed');
        },
      });
      const a = hostRun(h.lifecycle, DIR_A, 'hooked');
      await h.lifecycle.action('instance_reload', async () => {
        a.controller.abort();
        await a.ended;
      });
      expect(h.actionSpans()).toHaveLength(1);
      expect(h.runSpan('hooked').attributes['session_host.close.classification']).toBe('local_instance_reload');
      expect(diag.lines.some((l) => l.includes('actionHook failed'))).toBe(true);
      expect(diag.lines.some((l) => l.includes('runCloseHook failed'))).toBe(true);
      expect(diag.lines.join('\n')).not.toContain('alice');
    } finally {
      diag.restore();
    }
  });

  it('survives a tracer provider whose tracer throws', async () => {
    const diag = captureDiag();
    try {
      const lifecycle = new SessionLifecycleInstrumentation();
      lifecycle.setTracerProvider({
        getTracer: () => ({
          startSpan: () => {
            throw new Error('broken tracer');
          },
          startActiveSpan: () => {
            throw new Error('broken tracer');
          },
        }),
      });
      const controller = new AbortController();
      const run = lifecycle.trackRun({ runId: 'r', scope: DIR_A, signal: controller.signal });
      expect(run.signal).toBe(controller.signal);
      expect(await lifecycle.action('instance_reload', async () => 'still reloaded')).toBe('still reloaded');
      controller.abort();
      run.end();
      expect(lifecycle.stateCounts().runsInFlight).toBe(0);
      expect(diag.lines.some((l) => l.includes('starting a lifecycle action failed'))).toBe(true);
      expect(diag.lines.some((l) => l.includes('trackRun failed'))).toBe(true);
    } finally {
      diag.restore();
    }
  });

  it('records a bad or undeclared kind as unknown_kind with one diag error per value, and still runs the host operation', () => {
    const diag = captureDiag();
    try {
      const h = setup();
      for (const kind of [
        'Instance Reload',
        '',
        'x'.repeat(41),
        '9lives',
        `reload ${DIR_A}`,
        'instance_dispse',
        'instance_dispse',
      ]) {
        expect(h.lifecycle.action(kind, () => 'ran')).toBe('ran');
      }
      expect(h.actionSpans().map((s) => s.attributes['session_host.lifecycle.kind'])).toEqual(
        Array(7).fill('unknown_kind'),
      );
      const errors = diag.lines.filter((l) => l.includes('undeclared lifecycle kind'));
      // One per distinct value; values that are not tokens are named by type and length only.
      expect(errors).toHaveLength(6);
      expect(errors.some((l) => l.includes("'instance_dispse'") && l.includes('instance_dispose_all'))).toBe(true);
      expect(diag.lines.join('\n')).not.toContain('alice');
    } finally {
      diag.restore();
    }
  });

  it('bounds hostile trackRun input instead of throwing', () => {
    const diag = captureDiag();
    try {
      const h = setup();
      const hostile = {
        get runId(): string {
          throw new Error('getter');
        },
        scope: 42,
        signal: 'not a signal',
      };
      const run = h.lifecycle.trackRun(hostile as never);
      run.end({ outcome: 'weird' as never });
      const nullRun = h.lifecycle.trackRun(null as never);
      nullRun.end();
      const spans = h.named('run');
      expect(spans).toHaveLength(2);
      expect(spans[0]!.attributes['session_host.run.id']).toBe('invalid');
      expect(spans[0]!.attributes['session_host.scope.key']).toBe('dir:invalid');
      expect(spans[0]!.attributes['session_host.run.outcome']).toBe('error');
      expect(() => h.lifecycle.action('instance_reload', 'no function' as never)).toThrow(TypeError);
      expect(h.lifecycle.closeScope(undefined as never)).toBe(0);
      expect(diag.lines.some((l) => l.includes('scope must be a string'))).toBe(true);
    } finally {
      diag.restore();
    }
  });

  it('closeScope interrupts every run of the scope and aborts the signals it owns', () => {
    const h = setup();
    const own = h.lifecycle.trackRun({ runId: 'own', scope: DIR_A });
    const aborted: string[] = [];
    own.signal.addEventListener('abort', () => aborted.push('own'));
    const other = h.lifecycle.trackRun({ runId: 'other', scope: DIR_B });
    let closed = 0;
    h.lifecycle.action('instance_dispose', () => {
      closed = h.lifecycle.closeScope(DIR_A);
    });
    own.end();
    other.end();
    expect(closed).toBe(1);
    expect(aborted).toEqual(['own']);
    expect(h.runSpan('own').attributes['session_host.close.classification']).toBe('local_instance_dispose');
    expect(h.runSpan('other').attributes['session_host.close.classification']).toBe('success');
  });

  it('records nothing while disabled, and again once enabled', () => {
    const h = setup();
    h.lifecycle.disable();
    const run = h.lifecycle.trackRun({ runId: 'off', scope: DIR_A });
    expect(h.lifecycle.action('instance_reload', () => 1)).toBe(1);
    run.end();
    expect(h.spans()).toHaveLength(0);
    h.lifecycle.enable();
    h.lifecycle.action('instance_reload', () => 1);
    expect(h.actionSpans()).toHaveLength(1);
  });

  it("makes the run span of a run started inside a host span that span's child", () => {
    const h = setup();
    const tracer = h.provider.getTracer('host');
    tracer.startActiveSpan('POST /runs', (request) => {
      h.lifecycle.trackRun({ runId: 'child', scope: DIR_A }).end();
      request.end();
    });
    expect(h.runSpan('child').parentSpanContext?.spanId).toBe(h.named('POST /runs')[0]!.spanContext().spanId);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
