import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import * as base from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import {
  ATTR_RUN_ID,
  ATTR_SCOPE_KEY,
  ATTR_SESSION_ID,
  LifecycleSampler,
  PACKAGE_NAME,
  PACKAGE_VERSION,
  SessionLifecycleInstrumentation,
  type ActionInfo,
  type RunCloseInfo,
} from '../src/index.js';
import { samplerFromEnv } from '../src/sdk/env-sampler.js';
import { captureDiag, hostRun, setup } from './utils/harness.js';

describe('OpenTelemetry instrumentation conventions', () => {
  it('works with registerInstrumentations, which sets its providers and can disable it', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const lifecycle = new SessionLifecycleInstrumentation({ enabled: false });
    const unregister = registerInstrumentations({ instrumentations: [lifecycle], tracerProvider: provider });
    expect(lifecycle.isEnabled()).toBe(true);
    lifecycle.action('instance_reload', () => undefined);
    const span = exporter.getFinishedSpans()[0]!;
    expect(span.instrumentationScope).toMatchObject({ name: PACKAGE_NAME, version: PACKAGE_VERSION });
    unregister();
    expect(lifecycle.isEnabled()).toBe(false);
    lifecycle.action('instance_reload', () => undefined);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('calls typed hooks with bounded info, and lets them add attributes', async () => {
    const actions: ActionInfo[] = [];
    const closes: RunCloseInfo[] = [];
    const h = setup({
      actionHook: (span, info) => {
        actions.push(info);
        span.setAttribute('deploy.id', 'd-7');
      },
      runCloseHook: (span, info) => {
        closes.push(info);
        span.setAttribute('tenant.tier', 'gold');
      },
    });
    const run = hostRun(h.lifecycle, '/home/erin/app', 'hook-run', 'hook-session');
    await h.lifecycle.action('instance_dispose', { scopes: ['/home/erin/app'] }, async () => {
      run.controller.abort();
      await run.ended;
    });
    const key = h.lifecycle.scopeKey('/home/erin/app');
    expect(actions).toEqual([
      {
        actionId: h.actionSpans()[0]!.attributes['session_host.lifecycle.action.id'],
        kind: 'instance_dispose',
        runsInterrupted: 1,
        runsOmitted: 0,
        scopeKeys: [key],
        outcome: 'ok',
        timedOut: false,
      },
    ]);
    expect(closes).toEqual([
      {
        runId: 'hook-run',
        sessionId: 'hook-session',
        scopeKey: key,
        classification: 'local_instance_dispose',
        summaryKey: 'local_instance_dispose.lifecycle_close',
        provenance: 'context',
        actionId: actions[0]!.actionId,
        kind: 'instance_dispose',
        late: false,
      },
    ]);
    expect(h.actionSpans()[0]!.attributes['deploy.id']).toBe('d-7');
    expect(h.runSpan('hook-run').attributes['tenant.tier']).toBe('gold');
  });

  it('starts a run span with its identity under the semantic-convention names (written out in core/runs.ts)', () => {
    const h = setup();
    h.lifecycle.trackRun({ runId: 'r1', sessionId: 's1', scope: 'a', signal: null }).end();
    h.lifecycle.trackRun({ runId: 'r2', scope: 'a', signal: null }).end();
    const firstKeys = (runId: string, count: number) => Object.keys(h.runSpan(runId).attributes).slice(0, count).sort();
    expect(firstKeys('r1', 3)).toEqual([ATTR_RUN_ID, ATTR_SCOPE_KEY, ATTR_SESSION_ID].sort());
    expect(firstKeys('r2', 2)).toEqual([ATTR_RUN_ID, ATTR_SCOPE_KEY].sort());
  });

  it('logs through the diag logger under the package name', () => {
    const diag = captureDiag();
    try {
      const h = setup();
      h.lifecycle.action('Not A Kind', () => undefined);
      expect(diag.lines).toHaveLength(1);
      expect(diag.lines[0]).toContain(PACKAGE_NAME);
    } finally {
      diag.restore();
    }
  });

  it('validates config: bad caps fall back to their defaults with a warning', () => {
    const diag = captureDiag();
    try {
      const h = setup({ maxClosedRunSpansPerAction: -3, maxScopeKeysPerAction: 1.5, actionHook: 'no' as never });
      expect(
        diag.lines.filter((l) => /maxClosedRunSpansPerAction|maxScopeKeysPerAction|actionHook/.test(l)),
      ).toHaveLength(3);
      const runs = Array.from({ length: 3 }, (_, i) => h.lifecycle.trackRun({ runId: `c${i}`, scope: '/tmp/c' }));
      h.lifecycle.action('instance_dispose', () => h.lifecycle.closeScope('/tmp/c'));
      for (const run of runs) run.end();
      expect(h.named('run closed')).toHaveLength(3);
    } finally {
      diag.restore();
    }
  });
});

describe('LifecycleSampler', () => {
  it('always samples lifecycle evidence and leaves every other span to the wrapped sampler', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      sampler: new LifecycleSampler(new ParentBasedSampler({ root: new AlwaysOffSampler() })),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const lifecycle = new SessionLifecycleInstrumentation();
    lifecycle.setTracerProvider(provider);
    const tracer = provider.getTracer('host');
    const controller = new AbortController();
    const run = lifecycle.trackRun({ runId: 'sampled-out', scope: '/tmp/s', signal: controller.signal });
    lifecycle.action('instance_reload', () => controller.abort());
    run.end();
    tracer.startSpan('run closed').end();
    tracer.startSpan('lifecycle fake').end();
    const names = exporter.getFinishedSpans().map((s) => s.name);
    expect(names.sort()).toEqual(['lifecycle instance_reload', 'run closed']);
    const closed = exporter.getFinishedSpans().find((s) => s.name === 'run closed')!;
    expect(closed.attributes['session_host.run.id']).toBe('sampled-out');
    // The link still names the run's span, whose trace a tail sampler can keep by classification.
    expect(closed.links).toHaveLength(1);
    expect(closed.links[0]!.context.spanId).toBe(run.span.spanContext().spanId);
  });

  it('wraps the sampler OTEL_TRACES_SAMPLER names', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{}, 'ParentBased{root=AlwaysOnSampler'],
      [{ OTEL_TRACES_SAMPLER: 'always_off' }, 'AlwaysOffSampler'],
      [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }, 'TraceIdRatioBased{0.25}'],
      [
        { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
        'ParentBased{root=TraceIdRatioBased{0.1}',
      ],
      [{ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }, 'ParentBased{root=AlwaysOffSampler'],
      [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' }, 'TraceIdRatioBased{1}'],
    ];
    for (const [env, expected] of cases) {
      const sampler = new LifecycleSampler(samplerFromEnv(base, env));
      expect(sampler.toString()).toContain(`LifecycleSampler{${expected}`);
    }
  });
});
