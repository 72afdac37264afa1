// The set-up entry point's public options and the handle `startTelemetry()` returns, built from
// the parts `start()` wired: the disabled handle (`OTEL_SDK_DISABLED=true`) and the running one.
import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import type { DropReporter } from './drop-report.js';
import { guardedAsync } from './guarded-async.js';
import type { SdkLine } from './lines.js';
import type { Stopper } from './shutdown.js';
import type { DropTotals } from './types.js';

export interface TelemetryOptions {
  /** Flush on SIGTERM, SIGINT and `beforeExit` (default `true`). */
  handleExit?: boolean | undefined;
  /** Environment to read instead of `process.env` (tests). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Install a console diag logger at this level when `OTEL_LOG_LEVEL` is unset. The `register`
   * entry point uses `warn`, so lost spans are never silent; from code the default is none,
   * leaving your own diag set-up alone.
   */
  defaultLogLevel?: 'warn' | undefined;
}

export interface TelemetryHandle {
  /** `false` when `OTEL_SDK_DISABLED=true`: nothing was started. */
  readonly enabled: boolean;
  /** The OpenTelemetry JS SDK line in use: that of the installed `@opentelemetry/api`. */
  readonly sdkLine: 2 | 3;
  readonly tracerProvider: TracerProvider;
  /** The global meter provider: the SDK's when `OTEL_METRICS_EXPORTER` names an exporter. */
  readonly meterProvider: MeterProvider;
  /** The metric exporters started: `prometheus`, `otlp`, or none. */
  readonly metricExporters: readonly string[];
  /** The OTLP protocol in use: `http/protobuf` or `http/json`. */
  readonly protocol: string;
  forceFlush(): Promise<void>;
  /** Spans lost so far: dropped on a full queue, or failed to export. Also reported on diag. */
  droppedSpans(): Promise<DropTotals>;
  /**
   * Flushes and stops: resolves once every queued span was delivered or failed, or when the
   * exporter timeout has passed. Safe to call more than once.
   */
  shutdown(): Promise<void>;
}

export const disabledHandle = (protocol: string, sdkLine: SdkLine): TelemetryHandle => ({
  enabled: false,
  sdkLine,
  tracerProvider: trace.getTracerProvider(),
  meterProvider: metrics.getMeterProvider(),
  metricExporters: [],
  protocol,
  forceFlush: async () => {},
  droppedSpans: async () => ({ queueFull: 0, exportFailed: 0 }),
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
    droppedSpans: async () => ({ ...(await drops.totals()) }),
    shutdown: stopper.shutdown,
  };
}
