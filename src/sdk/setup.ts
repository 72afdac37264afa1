// The opt-in set-up entry point (`otel-session-lifecycle/setup`, and `/register` for
// `node --import`): a tracer provider with a batching span processor and the OTLP/HTTP exporter,
// configured from the standard environment variables, on OpenTelemetry JS SDK 2 or SDK 3,
// whichever the host installed (the line of its @opentelemetry/api). One code path for both: the
// provider is registered here (global provider, AsyncLocalStorage context manager, W3C trace
// context and baggage propagators), as SDK 2's NodeTracerProvider.register() did and as SDK 3
// leaves to the caller; the OTEL_BSP_* variables are read here, as SDK 3 no longer does. The SDK
// packages are optional peer dependencies, loaded only here. `start()` is the wiring; each step
// is a module of its own.
import { installConsoleDiag } from './console-diag.js';
import { createDropReporter } from './drop-report.js';
import { batchSettings, envFlag, exportTimeoutOf, protocolOf } from './env.js';
import { samplerFromEnv } from './env-sampler.js';
import { installExitHandlers } from './exit.js';
import { registerGlobals } from './globals.js';
import { disabledHandle, runningHandle } from './handle.js';
import { detectLine, unsupportedRuntime } from './lines.js';
import { startMetrics } from './metric-pipeline.js';
import { LifecycleSampler } from './sampler.js';
import { loadSdks } from './sdk-loader.js';
import { createStopper } from './shutdown.js';
import { noSpans } from './evidence-queue.js';
import { createSpanPipeline, type SpanPipeline } from './span-pipeline.js';
import type { TelemetryHandle, TelemetryOptions } from './types.js';

const DROP_REPORT_INTERVAL_MS = 10_000;

async function start(options: TelemetryOptions): Promise<TelemetryHandle> {
  const env = options.env ?? process.env;
  installConsoleDiag(env.OTEL_LOG_LEVEL, options.defaultLogLevel);
  const protocol = protocolOf('TRACES', env);
  const host = detectLine();
  if (envFlag(env.OTEL_SDK_DISABLED)) return disabledHandle(protocol, host.line);
  const runtimeProblem = unsupportedRuntime(host);
  if (runtimeProblem !== undefined) throw new Error(runtimeProblem);

  const sdk = await loadSdks(host);
  const resource = sdk.resources
    .defaultResource()
    .merge(sdk.resources.detectResources({ detectors: [sdk.resources.envDetector] }));
  const exportTimeoutMs = exportTimeoutOf(env);
  const batch = batchSettings(env, exportTimeoutMs);

  // Self-observability: the processor counts the spans a full queue dropped (by kind), the
  // exporter those it failed to export (into this meter provider); the drop reporter reports both
  // on the diag logger, and the user's readers (when OTEL_METRICS_EXPORTER names any) export the
  // metrics with the package's own.
  let abandoned = 0;
  let spans: SpanPipeline | undefined;
  const drops = createDropReporter(sdk.metrics, batch.maxQueueSize, {
    abandoned: () => abandoned,
    queueFull: () => spans?.processor?.dropped() ?? noSpans(),
  });
  const { meterProvider, exporters } = await startMetrics(host, sdk.metrics, resource, env, drops.reader);
  spans = await createSpanPipeline(host, sdk.trace, env, {
    protocol,
    batch,
    meterProvider,
    suppressTracing: sdk.core.suppressTracing,
    onAbandoned: (count) => (abandoned += count),
  });
  const tracerProvider = new sdk.trace.Provider({
    resource,
    sampler: new LifecycleSampler(samplerFromEnv(sdk.trace, env)),
    spanProcessors: spans.processor === undefined ? [] : [spans.processor],
  });
  registerGlobals(tracerProvider, sdk.asyncHooks, sdk.core);

  const reporting = setInterval(() => void drops.report(), DROP_REPORT_INTERVAL_MS);
  reporting.unref();
  const stopper = createStopper({
    tracerProvider,
    meterProvider,
    exporter: spans.exporter,
    drops,
    exportTimeoutMs,
    stopTimers: () => clearInterval(reporting),
  });
  if (options.handleExit !== false) installExitHandlers(stopper.shutdown, stopper.stopMetrics);
  return runningHandle({
    sdkLine: host.line,
    protocol,
    tracerProvider,
    sdkMeterProvider: meterProvider,
    metricExporters: exporters,
    drops,
    stopper,
  });
}

const HANDLE = Symbol.for('otel-session-lifecycle.telemetry');
type GlobalWithHandle = typeof globalThis & { [HANDLE]?: Promise<TelemetryHandle> };

/**
 * Starts tracing for the process once (later calls return the same handle): a tracer provider
 * registered globally with the AsyncLocalStorage context manager and the W3C propagators, a
 * batching span processor sized for lifecycle fan-outs (one export in flight at a time, the whole
 * queue delivered at shutdown; a full queue drops runs that simply completed before the lifecycle
 * evidence), the OTLP/HTTP exporter (`OTEL_EXPORTER_OTLP_*`, protobuf unless
 * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json`), the resource from `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES`, and the `OTEL_TRACES_SAMPLER` sampler wrapped in a
 * `LifecycleSampler`. Runs on SDK 2 and SDK 3: the line of the installed `@opentelemetry/api`.
 * `OTEL_SDK_DISABLED=true` starts nothing. With `OTEL_METRICS_EXPORTER=prometheus` the metrics
 * endpoint listens on 127.0.0.1 unless `OTEL_EXPORTER_PROMETHEUS_HOST` names another address.
 */
export function startTelemetry(options: TelemetryOptions = {}): Promise<TelemetryHandle> {
  const global = globalThis as GlobalWithHandle;
  global[HANDLE] ??= start(options);
  return global[HANDLE];
}

export type { DropTotals, DroppedSpanKind, TelemetryHandle, TelemetryOptions } from './types.js';
export { DEFAULT_MAX_QUEUE_SIZE } from './env.js';
