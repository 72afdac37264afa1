// The set-up's span step: the exporter OTEL_TRACES_EXPORTER names, and the processor around it.
import { metrics, type Context } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { batchSettings } from '../src/sdk/env.js';
import { detectLine } from '../src/sdk/lines.js';
import { loadTraceSdk } from '../src/sdk/sdk-loader.js';
import { createSpanPipeline, tracesExporterOf } from '../src/sdk/span-pipeline.js';
import { captureDiag } from './utils/harness.js';

const options = {
  protocol: 'http/json' as const,
  batch: batchSettings({}, 1_000),
  meterProvider: metrics.getMeterProvider(),
  suppressTracing: (context: Context) => context,
  onAbandoned: () => {},
};

describe('tracesExporterOf', () => {
  it('takes the first exporter named, otlp by default, and otlp (with a diag warning) for one it does not support', () => {
    const diag = captureDiag();
    try {
      expect(tracesExporterOf({})).toBe('otlp');
      expect(tracesExporterOf({ OTEL_TRACES_EXPORTER: ' Console,otlp' })).toBe('console');
      expect(tracesExporterOf({ OTEL_TRACES_EXPORTER: 'none' })).toBe('none');
      expect(diag.lines).toEqual([]);
      expect(tracesExporterOf({ OTEL_TRACES_EXPORTER: 'zipkin' })).toBe('otlp');
      expect(diag.lines.filter((l) => l.includes('OTEL_TRACES_EXPORTER=zipkin is not supported'))).toHaveLength(1);
    } finally {
      diag.restore();
    }
  });
});

describe('createSpanPipeline', () => {
  it('none: no exporter and no processor, so the provider records nothing it would send', async () => {
    const host = detectLine();
    const pipeline = await createSpanPipeline(
      host,
      await loadTraceSdk(host),
      { OTEL_TRACES_EXPORTER: 'none' },
      options,
    );
    expect(pipeline).toEqual({ exporter: undefined, processor: undefined });
  });

  it('console: one batch processor over the serial export wrapper', async () => {
    const host = detectLine();
    const pipeline = await createSpanPipeline(
      host,
      await loadTraceSdk(host),
      { OTEL_TRACES_EXPORTER: 'console' },
      options,
    );
    expect(pipeline.exporter?.constructor.name).toBe('SerialExporter');
    expect(pipeline.processor?.constructor.name).toBe('EvidenceBatchProcessor');
    await pipeline.processor!.shutdown();
  });
});
