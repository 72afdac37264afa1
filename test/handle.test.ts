// The handle startTelemetry() returns: its methods resolve, whatever the SDK parts under it do.
import { metrics } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { DropReporter } from '../src/sdk/drop-report.js';
import { noSpans } from '../src/sdk/evidence-queue.js';
import { runningHandle } from '../src/sdk/handle.js';
import type { Stopper } from '../src/sdk/shutdown.js';
import { captureDiag } from './utils/harness.js';

const drops: DropReporter = {
  reader: undefined as unknown as DropReporter['reader'],
  totals: async () => ({ queueFull: 2, queueFullByKind: { ...noSpans(), run_completed: 2 }, exportFailed: 3 }),
  report: async () => {},
};
const stopper = (stopping: boolean): Stopper => ({ shutdown: async () => {}, stopMetrics: async () => {}, stopping });
const failingFlush = () => Promise.reject(new RangeError('at /home/alice'));

describe('runningHandle', () => {
  it('forceFlush resolves when the SDK’s flush rejects, and says so on the diag logger (no message text)', async () => {
    const diag = captureDiag();
    try {
      const handle = runningHandle({
        sdkLine: 2,
        protocol: 'http/protobuf',
        tracerProvider: { getTracer: () => undefined as never, forceFlush: failingFlush },
        sdkMeterProvider: { getMeter: () => undefined as never, forceFlush: async () => {} },
        metricExporters: [],
        drops,
        stopper: stopper(false),
      });
      await expect(handle.forceFlush()).resolves.toBeUndefined();
      expect(diag.lines.some((l) => l.includes('forceFlush failed (RangeError)'))).toBe(true);
      expect(diag.lines.join('\n')).not.toContain('alice');
      expect(await handle.droppedSpans()).toEqual({
        queueFull: 2,
        queueFullByKind: { ...noSpans(), run_completed: 2 },
        exportFailed: 3,
      });
    } finally {
      diag.restore();
    }
  });

  it('keeps the host’s meter provider unless a metric exporter reads the SDK’s; after shutdown a flush does nothing', async () => {
    const sdkMeterProvider = { getMeter: () => undefined as never, forceFlush: failingFlush };
    const parts = {
      sdkLine: 3 as const,
      protocol: 'http/json',
      tracerProvider: { getTracer: () => undefined as never, forceFlush: failingFlush },
      sdkMeterProvider,
      drops,
      stopper: stopper(true),
    };
    expect(runningHandle({ ...parts, metricExporters: [] }).meterProvider).toBe(metrics.getMeterProvider());
    const handle = runningHandle({ ...parts, metricExporters: ['prometheus'] });
    expect(handle.meterProvider).toBe(sdkMeterProvider);
    const diag = captureDiag();
    try {
      await handle.forceFlush();
      expect(diag.lines).toEqual([]);
    } finally {
      diag.restore();
    }
  });
});
