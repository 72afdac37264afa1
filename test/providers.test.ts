// Order of set-up does not matter: an instrumentation made before the host (or the set-up entry)
// registers global providers records through the providers present when it records.
import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import { SessionLifecycleInstrumentation } from '../src/index.js';

it('records spans and metrics through global providers registered after it was created', async () => {
  const lifecycle = new SessionLifecycleInstrumentation();
  const spans = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  const controller = new AbortController();
  const run = lifecycle.trackRun({ runId: 'late-provider', scope: '/srv/x', signal: controller.signal });
  lifecycle.action('instance_dispose', () => controller.abort());
  run.end({ outcome: 'error' });
  expect(
    spans
      .getFinishedSpans()
      .map((s) => s.name)
      .sort(),
  ).toEqual(['lifecycle instance_dispose', 'run', 'run closed']);
  await reader.forceFlush();
  const names = exporter
    .getMetrics()
    .flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics.map((x) => x.descriptor.name)));
  expect(names).toContain('session_host.run.closes');
  expect(names).toContain('session_host.lifecycle.actions');
  await reader.shutdown();
});
