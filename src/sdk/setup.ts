// The opt-in set-up entry point (`otel-session-lifecycle/setup`, and `/register` for
// `node --import`): a tracer provider with a BatchSpanProcessor and the OTLP/HTTP exporter,
// configured from the standard environment variables, on OpenTelemetry JS SDK 2 or SDK 3,
// whichever the host installed (the line of its @opentelemetry/api). One code path for both: the
// provider is registered here (global provider, AsyncLocalStorage context manager, W3C trace
// context and baggage propagators), as SDK 2's NodeTracerProvider.register() did and as SDK 3
// leaves to the caller; the OTEL_BSP_* variables are read here, as SDK 3 no longer does. The SDK
// packages are optional peer dependencies, loaded only here.
import { context, diag, DiagConsoleLogger, DiagLogLevel, metrics, propagation, trace, type ContextManager, type MeterProvider, type TextMapPropagator, type TracerProvider } from '@opentelemetry/api';
import { createDropReporter } from './drop-report.js';
import { samplerFromEnv, type SamplerClasses } from './env-sampler.js';
import { detectLine, LINES, missingPackageError, unsupportedRuntime, type HostLine, type SdkLine, type SdkRole } from './lines.js';
import { LifecycleSampler, type SamplerLike } from './sampler.js';
import { SerialExporter, type SpanExporterLike } from './serial-exporter.js';
import type { DropTotals } from './types.js';
import { PACKAGE_NAME } from '../version.js';

/**
 * Span queue of the BatchSpanProcessor unless `OTEL_BSP_MAX_QUEUE_SIZE` is set. A dispose-all
 * ends, in one synchronous burst, up to `maxClosedRunSpansPerAction` (1,000) closed-run spans
 * plus the run spans of every run it interrupted; the SDK's default of 2,048 drops most of a
 * 10,000-run burst. 16,384 spans of about 1.1 KB each bound the queue near 18 MB.
 */
export const DEFAULT_MAX_QUEUE_SIZE = 16_384;
const DEFAULT_MAX_EXPORT_BATCH_SIZE = 512;
const DEFAULT_SCHEDULE_DELAY_MS = 5_000;
const DEFAULT_EXPORT_TIMEOUT_MS = 10_000;
const DEFAULT_EXPORTER_CONCURRENCY = 30;
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

function envFlag(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'true';
}

function envNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function envCount(value: string | undefined): number | undefined {
  const n = envNumber(value);
  return n === undefined ? undefined : Math.max(1, Math.floor(n));
}

const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/** Loads the package of `role` for the host's line; a missing one names the install command. */
async function load<T>(host: HostLine, role: SdkRole): Promise<T> {
  const [name] = LINES[host.line].packages[role];
  try {
    return (await import(name)) as T;
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    const message = String((error as { message?: unknown } | undefined)?.message ?? '');
    if ((typeof code === 'string' && NOT_FOUND.has(code)) || /Cannot find (package|module)/.test(message)) {
      throw missingPackageError(host, role, error);
    }
    throw error;
  }
}

function diagLevel(value: string | undefined): DiagLogLevel | undefined {
  const levels: Record<string, DiagLogLevel> = {
    NONE: DiagLogLevel.NONE,
    ERROR: DiagLogLevel.ERROR,
    WARN: DiagLogLevel.WARN,
    INFO: DiagLogLevel.INFO,
    DEBUG: DiagLogLevel.DEBUG,
    VERBOSE: DiagLogLevel.VERBOSE,
    ALL: DiagLogLevel.ALL,
  };
  return value === undefined ? undefined : levels[value.trim().toUpperCase()];
}

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

function protocolOf(signal: 'TRACES' | 'METRICS', env: Readonly<Record<string, string | undefined>>): 'http/protobuf' | 'http/json' {
  const protocol = (env[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`] ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (protocol === 'http/json' || protocol === 'http/protobuf') return protocol;
  diag.warn(`OTLP protocol ${protocol.slice(0, 20)} is not supported by ${PACKAGE_NAME}/setup; using http/protobuf`);
  return 'http/protobuf';
}

// The SDK's shapes this module uses, the same in SDK 2 and SDK 3 (the metrics and resources
// types are taken from the SDK 2 devDependencies; the parts used here did not change in SDK 3).
type MetricsSdk = typeof import('@opentelemetry/sdk-metrics');
type MetricReader = InstanceType<MetricsSdk['MetricReader']>;
type ResourcesSdk = typeof import('@opentelemetry/resources');

interface SpanProcessorLike {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
interface SdkTracerProvider extends TracerProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
interface BatchConfig {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
  selfObsMeterProvider: MeterProvider;
}
type ProviderClass = new (config: { resource: unknown; sampler: SamplerLike; spanProcessors: SpanProcessorLike[] }) => SdkTracerProvider;
/** `@opentelemetry/sdk-trace` 3.x: `TracerProvider`; processors take one options object. */
interface TraceSdk3 extends SamplerClasses {
  TracerProvider: ProviderClass;
  BatchSpanProcessor: new (options: BatchConfig & { exporter: SpanExporterLike }) => SpanProcessorLike;
  ConsoleSpanExporter: new () => SpanExporterLike;
}
/** `@opentelemetry/sdk-trace-base` 2.x: `BasicTracerProvider`; processors take (exporter, config). */
interface TraceSdk2 extends SamplerClasses {
  BasicTracerProvider: ProviderClass;
  BatchSpanProcessor: new (exporter: SpanExporterLike, config: BatchConfig) => SpanProcessorLike;
  ConsoleSpanExporter: new () => SpanExporterLike;
}
interface CoreSdk {
  CompositePropagator: new (config: { propagators: TextMapPropagator[] }) => TextMapPropagator;
  W3CTraceContextPropagator: new () => TextMapPropagator;
  W3CBaggagePropagator: new () => TextMapPropagator;
}
interface ContextAsyncHooks {
  AsyncLocalStorageContextManager: new () => ContextManager & { enable(): unknown };
}
type OtlpExporterClass = new (config: { selfObsMeterProvider: MeterProvider; concurrencyLimit: number }) => SpanExporterLike;

/** The trace SDK of the host's line, behind one interface. */
interface TraceSdk extends SamplerClasses {
  Provider: ProviderClass;
  batchProcessor(exporter: SpanExporterLike, config: BatchConfig): SpanProcessorLike;
  consoleExporter(): SpanExporterLike;
}

const samplerClasses = (sdk: SamplerClasses): SamplerClasses => ({
  AlwaysOnSampler: sdk.AlwaysOnSampler,
  AlwaysOffSampler: sdk.AlwaysOffSampler,
  TraceIdRatioBasedSampler: sdk.TraceIdRatioBasedSampler,
  ParentBasedSampler: sdk.ParentBasedSampler,
});

async function loadTraceSdk(host: HostLine): Promise<TraceSdk> {
  if (host.line === 3) {
    const sdk = await load<TraceSdk3>(host, 'trace');
    if (typeof sdk.TracerProvider !== 'function') throw missingPackageError(host, 'trace', new Error('no TracerProvider export'));
    return {
      ...samplerClasses(sdk),
      Provider: sdk.TracerProvider,
      // The options object: SDK 3 takes nothing else (a positional exporter hangs the host).
      batchProcessor: (exporter, config) => new sdk.BatchSpanProcessor({ exporter, ...config }),
      consoleExporter: () => new sdk.ConsoleSpanExporter(),
    };
  }
  const sdk = await load<TraceSdk2>(host, 'trace');
  return {
    ...samplerClasses(sdk),
    Provider: sdk.BasicTracerProvider,
    batchProcessor: (exporter, config) => new sdk.BatchSpanProcessor(exporter, config),
    consoleExporter: () => new sdk.ConsoleSpanExporter(),
  };
}

/** The readers `OTEL_METRICS_EXPORTER` names (`prometheus`, `otlp`, comma-separated; default none). */
async function metricReaders(host: HostLine, sdk: MetricsSdk, env: Readonly<Record<string, string | undefined>>, names: string[]): Promise<MetricReader[]> {
  const readers: MetricReader[] = [];
  for (const name of names) {
    if (name === 'prometheus') {
      const { PrometheusExporter } = await load<typeof import('@opentelemetry/exporter-prometheus')>(host, 'prometheus');
      const port = envNumber(env.OTEL_EXPORTER_PROMETHEUS_PORT);
      readers.push(
        new PrometheusExporter({
          ...(env.OTEL_EXPORTER_PROMETHEUS_HOST ? { host: env.OTEL_EXPORTER_PROMETHEUS_HOST } : {}),
          ...(port !== undefined ? { port } : {}),
        }),
      );
    } else if (name === 'otlp') {
      const role = protocolOf('METRICS', env) === 'http/json' ? 'metricExporterJson' : 'metricExporterProto';
      const { OTLPMetricExporter } = await load<typeof import('@opentelemetry/exporter-metrics-otlp-proto')>(host, role);
      const interval = envNumber(env.OTEL_METRIC_EXPORT_INTERVAL);
      readers.push(new sdk.PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), ...(interval !== undefined ? { exportIntervalMillis: interval } : {}) }));
    } else if (name !== 'none') {
      diag.warn(`OTEL_METRICS_EXPORTER=${name.slice(0, 20)} is not supported by ${PACKAGE_NAME}/setup; ignored`);
    }
  }
  return readers;
}

/** The batch processor's settings from `OTEL_BSP_*`, read here on both lines (SDK 3 reads none). */
function batchSettings(env: Readonly<Record<string, string | undefined>>, exportTimeout: number) {
  const maxQueueSize = envCount(env.OTEL_BSP_MAX_QUEUE_SIZE) ?? DEFAULT_MAX_QUEUE_SIZE;
  const maxExportBatchSize = Math.min(envCount(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE) ?? DEFAULT_MAX_EXPORT_BATCH_SIZE, maxQueueSize);
  const userTimeout = envNumber(env.OTEL_BSP_EXPORT_TIMEOUT);
  // The export wrapper answers the processor before the processor's own timer fires, so the
  // processor never takes its failure path. Unless OTEL_BSP_EXPORT_TIMEOUT says otherwise, the
  // exporter's timeout is what bounds an export; the processor's timer is only a backstop.
  const exportTimeoutMillis = userTimeout ?? exportTimeout + 1_000;
  const answerWithinMs = userTimeout === undefined ? exportTimeout + 500 : Math.max(1, userTimeout - Math.min(500, Math.ceil(userTimeout / 10)));
  const scheduled = env.OTEL_BSP_SCHEDULE_DELAY;
  const delay = scheduled === undefined || scheduled.trim() === '' ? Number.NaN : Number(scheduled);
  return {
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMillis: Number.isFinite(delay) && delay >= 0 ? delay : DEFAULT_SCHEDULE_DELAY_MS,
    exportTimeoutMillis,
    answerWithinMs,
    // The whole queue in one shutdown flush, beside an export already in flight.
    exporterConcurrency: Math.max(DEFAULT_EXPORTER_CONCURRENCY, Math.ceil(maxQueueSize / maxExportBatchSize) + 2),
  };
}

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
  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));

  const exportTimeout =
    envNumber(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) ?? envNumber(env.OTEL_EXPORTER_OTLP_TIMEOUT) ?? DEFAULT_EXPORT_TIMEOUT_MS;
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
    diag.warn(`OTEL_TRACES_EXPORTER=${tracesExporter.slice(0, 20)} is not supported by ${PACKAGE_NAME}/setup; using otlp`);
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
    new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  const reporting = setInterval(() => void drops.report(), DROP_REPORT_INTERVAL_MS);
  reporting.unref();

  let stopping: Promise<void> | undefined;
  /** Flushes and stops; everything together waits at most the exporter timeout. */
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(reporting);
      const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), exportTimeout).unref());
      // From here the whole queue goes out at once, and failures reach the processor.
      exporter?.beginShutdown();
      let traces = await Promise.race([provider.shutdown().then(() => 'ok' as const, () => 'failed' as const), deadline]);
      // One failed batch ends the processor's shutdown early; the others are still on their way.
      if (traces !== 'timeout' && exporter !== undefined && (await Promise.race([exporter.whenIdle(), deadline])) === 'timeout') {
        traces = 'timeout';
      }
      await drops.report();
      if (traces === 'timeout') {
        diag.warn(`${PACKAGE_NAME}: telemetry did not flush within the exporter timeout (${exportTimeout} ms); spans still being exported are lost`);
      } else if (traces === 'failed') {
        diag.warn(`${PACKAGE_NAME}: the last span export at shutdown failed; its spans are lost`);
      }
      await Promise.race([meterProvider.shutdown().catch(() => undefined), deadline]);
    })();
    return stopping;
  };
  const handle: TelemetryHandle = {
    enabled: true,
    sdkLine: host.line,
    tracerProvider: provider,
    meterProvider: metricExporters.length > 0 ? meterProvider : metrics.getMeterProvider(),
    metricExporters,
    protocol,
    forceFlush: async () => {
      await Promise.all([provider.forceFlush(), meterProvider.forceFlush()]);
      await drops.report();
    },
    droppedSpans: () => drops.totals(),
    shutdown,
  };
  if (options.handleExit !== false) installExitHandlers(shutdown);
  return handle;
}

function installExitHandlers(shutdown: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    // Keep the default behaviour (exit by the signal) unless the host handles the signal itself:
    // decided now, since a host handler may remove itself while it cleans up.
    const hostHandlesIt = process.listeners(signal).some((listener) => listener !== onSignal);
    process.removeListener(signal, onSignal);
    void shutdown().then(() => {
      if (!hostHandlesIt) process.kill(process.pid, signal);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.once('beforeExit', () => void shutdown());
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
