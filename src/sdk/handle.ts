// The handle `startTelemetry()` returns, built from the parts `start()` wired: the disabled handle
// (`OTEL_SDK_DISABLED=true`) and the running one.
import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import type { DropReporter } from './drop-report.js';
import { noSpans } from './evidence-queue.js';
import { guardedAsync } from './guarded-async.js';
import type { SdkLine } from './lines.js';
import type { Stopper } from './shutdown.js';
import type { TelemetryHandle } from './types.js';

export const disabledHandle = (protocol: string, sdkLine: SdkLine): TelemetryHandle => ({
  enabled: false,
  sdkLine,
  tracerProvider: trace.getTracerProvider(),
  meterProvider: metrics.getMeterProvider(),
  metricExporters: [],
  protocol,
  forceFlush: async () => {},
  droppedSpans: async () => ({ queueFull: 0, queueFullByKind: noSpans(), exportFailed: 0 }),
  shutdown: async () => {},
});

interface Flushable {
  forceFlush(): Promise<void>;
}

export interface HandleParts {
  sdkLine: SdkLine;
  protocol: string;
  tracerProvider: TracerProvider & Flushable;
  /** The SDK meter provider the set-up made (the drop counts are always read from it). */
  sdkMeterProvider: MeterProvider & Flushable;
  metricExporters: readonly string[];
  drops: DropReporter;
  stopper: Stopper;
}

/** The running handle. Its methods never reject; after shutdown they still resolve. */
export function runningHandle(parts: HandleParts): TelemetryHandle {
  const { drops, stopper } = parts;
  return {
    enabled: true,
    sdkLine: parts.sdkLine,
    tracerProvider: parts.tracerProvider,
    // Registered globally only when an exporter reads it; otherwise the host's own stays.
    meterProvider: parts.metricExporters.length > 0 ? parts.sdkMeterProvider : metrics.getMeterProvider(),
    metricExporters: parts.metricExporters,
    protocol: parts.protocol,
    // After shutdown a flush has nothing left to do.
    forceFlush: () =>
      guardedAsync(
        'forceFlush',
        async () => {
          if (stopper.stopping) return;
          await Promise.all([parts.tracerProvider.forceFlush(), parts.sdkMeterProvider.forceFlush()]);
          await drops.report();
        },
        undefined,
      ),
    droppedSpans: async () => {
      const totals = await drops.totals();
      return { ...totals, queueFullByKind: { ...totals.queueFullByKind } };
    },
    shutdown: stopper.shutdown,
  };
}
