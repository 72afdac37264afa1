import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { hostRun, setup } from './utils/harness.js';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function scenario() {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const h = setup();
  h.lifecycle.setMeterProvider(meterProvider);
  const reloads = [
    hostRun(h.lifecycle, '/home/frank/a', 'ra1', 'sess-secret'),
    hostRun(h.lifecycle, '/home/frank/a', 'ra2'),
  ];
  await h.lifecycle.action('instance_reload', async () => {
    for (const r of reloads) r.controller.abort();
    await Promise.all(reloads.map((r) => r.ended));
  });
  const disposed = [0, 1, 2].map((i) => hostRun(h.lifecycle, `/home/frank/${i}`, `rd${i}`));
  await h.lifecycle.action('instance_dispose_all', async () => {
    for (const r of disposed) r.controller.abort();
    await Promise.all(disposed.map((r) => r.ended));
  });
  await expect(h.lifecycle.action('idle_eviction', async () => Promise.reject(new Error('x')))).rejects.toThrow();
  const lost = hostRun(h.lifecycle, '/home/frank/z', 'lost');
  lost.controller.abort();
  await lost.ended;
  h.lifecycle.trackRun({ runId: 'ok', scope: '/home/frank/a' }).end();
  h.lifecycle.trackRun({ runId: 'bad', scope: '/home/frank/a' }).end({ outcome: 'error', error: new Error('boom') });
  const { resourceMetrics } = await reader.collect();
  const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  const byName = (name: string) => all.find((m) => m.descriptor.name === name)!;
  return { byName, all, scope: resourceMetrics.scopeMetrics[0]!.scope };
}

describe('metrics', () => {
  it('counts run closes by classification and lifecycle kind', async () => {
    const { byName, scope } = await scenario();
    expect(scope.name).toBe('otel-session-lifecycle');
    const closes = byName('session_host.run.closes') as SumMetricData;
    expect(closes.descriptor.unit).toBe('{run}');
    const points = closes.dataPoints.map((p) => ({ ...p.attributes, value: p.value }));
    expect(points).toEqual(
      expect.arrayContaining([
        {
          'session_host.close.classification': 'local_instance_reload',
          'session_host.lifecycle.kind': 'instance_reload',
          value: 2,
        },
        {
          'session_host.close.classification': 'local_instance_dispose',
          'session_host.lifecycle.kind': 'instance_dispose_all',
          value: 3,
        },
        { 'session_host.close.classification': 'unknown_scope_close', value: 1 },
        { 'session_host.close.classification': 'success', value: 1 },
        { 'session_host.close.classification': 'error', value: 1 },
      ]),
    );
    expect(points).toHaveLength(5);
  });

  it('counts actions by kind and outcome, and records fan-out and duration', async () => {
    const { byName } = await scenario();
    const actions = (byName('session_host.lifecycle.actions') as SumMetricData).dataPoints.map((p) => ({
      ...p.attributes,
      value: p.value,
    }));
    expect(actions).toEqual(
      expect.arrayContaining([
        { 'session_host.lifecycle.kind': 'instance_reload', 'session_host.lifecycle.outcome': 'ok', value: 1 },
        { 'session_host.lifecycle.kind': 'instance_dispose_all', 'session_host.lifecycle.outcome': 'ok', value: 1 },
        { 'session_host.lifecycle.kind': 'idle_eviction', 'session_host.lifecycle.outcome': 'error', value: 1 },
      ]),
    );
    const fanout = byName('session_host.lifecycle.fanout') as HistogramMetricData;
    expect(fanout.descriptor.unit).toBe('{run}');
    const fanoutByKind = Object.fromEntries(
      fanout.dataPoints.map((p) => [p.attributes['session_host.lifecycle.kind'], p.value.sum]),
    );
    expect(fanoutByKind).toEqual({ instance_reload: 2, instance_dispose_all: 3, idle_eviction: 0 });
    const duration = byName('session_host.lifecycle.duration') as HistogramMetricData;
    expect(duration.descriptor.unit).toBe('s');
    expect(duration.dataPoints.map((p) => p.value.count)).toEqual([1, 1, 1]);
    for (const p of duration.dataPoints) expect(p.value.sum).toBeLessThan(5);
  });

  it('uses only the low-cardinality vocabulary as metric attributes', async () => {
    const { all } = await scenario();
    const allowed = new Set([
      'session_host.close.classification',
      'session_host.lifecycle.kind',
      'session_host.lifecycle.outcome',
    ]);
    const keys = new Set(all.flatMap((m) => m.dataPoints.flatMap((p) => Object.keys(p.attributes))));
    expect([...keys].filter((k) => !allowed.has(k))).toEqual([]);
    expect(JSON.stringify(all)).not.toMatch(/frank|sess-secret|ra1|dir:/);
  });
});
