// The opt-in set-up entry point (`otel-session-lifecycle/setup`, and `/register` for
// `node --import`): a tracer provider with a BatchSpanProcessor and the OTLP/HTTP exporter,
// configured from the standard environment variables, on OpenTelemetry JS SDK 2 or SDK 3,
// whichever the host installed (the line of its @opentelemetry/api). One code path for both: the
// provider is registered here (global provider, AsyncLocalStorage context manager, W3C trace
// context and baggage propagators), as SDK 2's NodeTracerProvider.register() did and as SDK 3
// leaves to the caller; the OTEL_BSP_* variables are read here, as SDK 3 no longer does. The SDK
// packages are optional peer dependencies, loaded only here.
import {
  context,
  diag,
  DiagConsoleLogger,
  DiagLogLevel,
  metrics,
  propagation,
  trace,
  type MeterProvider,
  type TracerProvider,
} from '@opentelemetry/api';
import { createDropReporter } from './drop-report.js';
import { batchSettings, DEFAULT_EXPORT_TIMEOUT_MS, diagLevel, envFlag, envNumber, protocolOf } from './env.js';
import { samplerFromEnv } from './env-sampler.js';
import { installExitHandlers } from './exit.js';
import { detectLine, unsupportedRuntime, type SdkLine } from './lines.js';
import { LifecycleSampler } from './sampler.js';
import {
  load,
  loadTraceSdk,
  metricReaders,
  type ContextAsyncHooks,
  type CoreSdk,
  type MetricsSdk,
  type OtlpExporterClass,
  type ResourcesSdk,
} from './sdk-loader.js';
import { SerialExporter, type SpanExporterLike } from './serial-exporter.js';
import type { DropTotals } from './types.js';
import { PACKAGE_NAME } from '../version.js';

const DROP_REPORT_INTERVAL_MS = 10_000;

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

const HANDLE = Symbol.for('otel-session-lifecycle.telemetry');
type GlobalWithHandle = typeof globalThis & { [HANDLE]?: Promise<TelemetryHandle> };

const disabledHandle = (protocol: string, sdkLine: SdkLine): TelemetryHandle => ({
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

async function start(options: TelemetryOptions): Promise<TelemetryHandle> {
  const env = options.env ?? process.env;
  const level = diagLevel(env.OTEL_LOG_LEVEL) ?? (options.defaultLogLevel === 'warn' ? DiagLogLevel.WARN : undefined);
  if (level !== undefined) diag.setLogger(new DiagConsoleLogger(), { logLevel: level, suppressOverrideMessage: true });
  const protocol = protocolOf('TRACES', env);
  const host = detectLine();
  if (envFlag(env.OTEL_SDK_DISABLED)) return disabledHandle(protocol, host.line);
  const runtimeProblem = unsupportedRuntime(host);
  if (runtimeProblem !== undefined) throw new Error(runtimeProblem);

  const [traceSdk, asyncHooks, core, resources, metricsSdk] = await Promise.all([
    loadTraceSdk(host),
    load<ContextAsyncHooks>(host, 'contextAsyncHooks'),
    load<CoreSdk>(host, 'core'),
    load<ResourcesSdk>(host, 'resources'),
    load<MetricsSdk>(host, 'metrics'),
  ]);
  const resource = resources.defaultResource().merge(resources.detectResources({ detectors: [resources.envDetector] }));

  const exportTimeout =
    envNumber(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) ??
    envNumber(env.OTEL_EXPORTER_OTLP_TIMEOUT) ??
    DEFAULT_EXPORT_TIMEOUT_MS;
  const batch = batchSettings(env, exportTimeout);

  // Self-observability: the SDK counts the spans it drops or fails to export into this meter
  // provider; a private reader reports them on the diag logger, and the user's readers (when
  // OTEL_METRICS_EXPORTER names any) export them with the package's own metrics.
  let abandoned = 0;
  const drops = createDropReporter(metricsSdk, batch.maxQueueSize, () => abandoned);
  const metricExporters = (env.OTEL_METRICS_EXPORTER ?? 'none')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && name !== 'none');
  const meterProvider = new metricsSdk.MeterProvider({
    resource,
    readers: [drops.reader, ...(await metricReaders(host, metricsSdk, env, metricExporters))],
  });
  if (metricExporters.length > 0) metrics.setGlobalMeterProvider(meterProvider);

  let tracesExporter = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',')[0]!.trim().toLowerCase() || 'otlp';
  if (!['otlp', 'console', 'none'].includes(tracesExporter)) {
    diag.warn(
      `OTEL_TRACES_EXPORTER=${tracesExporter.slice(0, 20)} is not supported by ${PACKAGE_NAME}/setup; using otlp`,
    );
    tracesExporter = 'otlp';
  }
  let inner: SpanExporterLike | undefined;
  if (tracesExporter === 'console') inner = traceSdk.consoleExporter();
  else if (tracesExporter === 'otlp') {
    const role = protocol === 'http/json' ? 'traceExporterJson' : 'traceExporterProto';
    const { OTLPTraceExporter } = await load<{ OTLPTraceExporter: OtlpExporterClass }>(host, role);
    inner = new OTLPTraceExporter({ selfObsMeterProvider: meterProvider, concurrencyLimit: batch.exporterConcurrency });
  }
  const exporter =
    inner === undefined
      ? undefined
      : new SerialExporter(inner, {
          answerWithinMs: batch.answerWithinMs,
          drainConcurrency: batch.exporterConcurrency,
          onAbandoned: (spans) => (abandoned += spans),
        });
  const processor =
    exporter === undefined
      ? undefined
      : traceSdk.batchProcessor(exporter, {
          maxQueueSize: batch.maxQueueSize,
          maxExportBatchSize: batch.maxExportBatchSize,
          scheduledDelayMillis: batch.scheduledDelayMillis,
          exportTimeoutMillis: batch.exportTimeoutMillis,
          selfObsMeterProvider: meterProvider,
        });
  const provider = new traceSdk.Provider({
    resource,
    sampler: new LifecycleSampler(samplerFromEnv(traceSdk, env)),
    spanProcessors: processor === undefined ? [] : [processor],
  });
  // What SDK 2's NodeTracerProvider.register() did, and SDK 3 leaves to the caller.
  const contextManager = new asyncHooks.AsyncLocalStorageContextManager();
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(provider);
  const reporting = setInterval(() => void drops.report(), DROP_REPORT_INTERVAL_MS);
  reporting.unref();

  let metricsStopped: Promise<void> | undefined;
  const stopMetrics = (): Promise<void> => (metricsStopped ??= meterProvider.shutdown().catch(() => undefined));
  let stopping: Promise<void> | undefined;
  /** Flushes and stops; everything together waits at most the exporter timeout. */
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(reporting);
      const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), exportTimeout).unref());
      // From here the whole queue goes out at once, and failures reach the processor.
      exporter?.beginShutdown();
      let traces = await Promise.race([
        provider.shutdown().then(
          () => 'ok' as const,
          () => 'failed' as const,
        ),
        deadline,
      ]);
      // One failed batch ends the processor's shutdown early; the others are still on their way.
      if (
        traces !== 'timeout' &&
        exporter !== undefined &&
        (await Promise.race([exporter.whenIdle(), deadline])) === 'timeout'
      ) {
        traces = 'timeout';
      }
      await drops.report();
      if (traces === 'timeout') {
        diag.warn(
          `${PACKAGE_NAME}: telemetry did not flush within the exporter timeout (${exportTimeout} ms); ` +
            'spans still being exported are lost',
        );
      } else if (traces === 'failed') {
        diag.warn(`${PACKAGE_NAME}: the last span export at shutdown failed; its spans are lost`);
      }
      lastTotals = await drops.totals().catch(() => lastTotals);
      await Promise.race([stopMetrics(), deadline]);
    })().catch((error: unknown) =>
      diag.warn(
        `${PACKAGE_NAME}: shutdown failed (${(error as { name?: unknown } | undefined)?.name ?? typeof error})`,
      ),
    );
    return stopping;
  };
  const handle: TelemetryHandle = {
    enabled: true,
    sdkLine: host.line,
    tracerProvider: provider,
    meterProvider: metricExporters.length > 0 ? meterProvider : metrics.getMeterProvider(),
    metricExporters,
    protocol,
    // After shutdown these still resolve: a flush has nothing left to do, the totals are the last.
    forceFlush: async () => {
      if (stopping !== undefined) return;
      await Promise.all([provider.forceFlush(), meterProvider.forceFlush()]);
      await drops.report();
    },
    droppedSpans: async () => {
      lastTotals = await drops.totals().catch(() => lastTotals);
      return { ...lastTotals };
    },
    shutdown,
  };
  let lastTotals: DropTotals = { queueFull: 0, exportFailed: 0 };
  if (options.handleExit !== false) installExitHandlers(shutdown, stopMetrics);
  return handle;
}

/**
 * Starts tracing for the process once (later calls return the same handle): a tracer provider
 * registered globally with the AsyncLocalStorage context manager and the W3C propagators, a
 * BatchSpanProcessor sized for lifecycle fan-outs (one export in flight at a time, the whole
 * queue delivered at shutdown), the OTLP/HTTP exporter (`OTEL_EXPORTER_OTLP_*`, protobuf unless
 * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json`), the resource from `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES`, and the `OTEL_TRACES_SAMPLER` sampler wrapped in a
 * `LifecycleSampler`. Runs on SDK 2 and SDK 3: the line of the installed `@opentelemetry/api`.
 * `OTEL_SDK_DISABLED=true` starts nothing.
 */
export function startTelemetry(options: TelemetryOptions = {}): Promise<TelemetryHandle> {
  const global = globalThis as GlobalWithHandle;
  global[HANDLE] ??= start(options);
  return global[HANDLE];
}

export type { DropTotals } from './types.js';
export { DEFAULT_MAX_QUEUE_SIZE } from './env.js';
