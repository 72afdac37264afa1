// Public types of the set-up entry point. They name no SDK package's types, so neither the main
// entry's declarations nor the set-up's pull in a package the host may not have installed.
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';

/** What a span dropped on a full queue was; see `DropTotals.queueFullByKind`. */
export type DroppedSpanKind = 'run_completed' | 'run_other' | 'other' | 'run_lifecycle' | 'run_closed' | 'action';

/** Spans the set-up entry point lost: `startTelemetry()`'s `droppedSpans()`. */
export interface DropTotals {
  /** Spans the batch processor dropped because its queue was full. */
  queueFull: number;
  /**
   * The same, by kind. A full queue drops runs that simply completed (`run_completed`) first, then
   * failed or cancelled runs and spans that are not the package's (`run_other`, `other`), and the
   * lifecycle evidence last, in this order: `run_lifecycle`, `run_closed`, `action`.
   */
  queueFullByKind: Record<DroppedSpanKind, number>;
  /** Spans the exporter failed to export (endpoint down, error answers, timeouts). */
  exportFailed: number;
}

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
