// The opt-in set-up entry point (`otel-session-lifecycle/setup`, and `/register` for
// `node --import`): a NodeTracerProvider with a BatchSpanProcessor and the OTLP/HTTP exporter,
// configured from the standard environment variables. The SDK packages are optional peer
// dependencies, loaded only here.
import { diag, DiagConsoleLogger, DiagLogLevel, metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { createDropReporter } from './drop-report.js';
import { samplerFromEnv } from './env-sampler.js';
import { LifecycleSampler } from './sampler.js';
import type { DropTotals } from './types.js';
import { PACKAGE_NAME } from '../version.js';

/**
 * Span queue of the BatchSpanProcessor unless `OTEL_BSP_MAX_QUEUE_SIZE` is set. A dispose-all
 * ends, in one synchronous burst, up to `maxClosedRunSpansPerAction` (1,000) closed-run spans
 * plus the run spans of every run it interrupted; the SDK's default of 2,048 drops most of a
 * 10,000-run burst. 16,384 spans of about 1.1 KB each bound the queue near 18 MB.
 */
export const DEFAULT_MAX_QUEUE_SIZE = 16_384;
const DEFAULT_EXPORT_TIMEOUT_MS = 10_000;
const DROP_REPORT_INTERVAL_MS = 10_000;

export interface TelemetryOptions {
  /** Flush on SIGTERM, SIGINT and `beforeExit` (default `true`). */
  handleExit?: boolean;
  /** Environment to read instead of `process.env` (tests). */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Install a console diag logger at this level when `OTEL_LOG_LEVEL` is unset. The `register`
   * entry point uses `warn`, so lost spans are never silent; from code the default is none,
   * leaving your own diag set-up alone.
   */
  defaultLogLevel?: 'warn';
}

export interface TelemetryHandle {
  /** `false` when `OTEL_SDK_DISABLED=true`: nothing was started. */
  readonly enabled: boolean;
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
  /** Flushes and stops, waiting at most the exporter timeout. Safe to call more than once. */
  shutdown(): Promise<void>;
}

const HANDLE = Symbol.for('otel-session-lifecycle.telemetry');
type GlobalWithHandle = typeof globalThis & { [HANDLE]?: Promise<TelemetryHandle> };

const REQUIRED_PACKAGES = [
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/resources',
  '@opentelemetry/sdk-metrics',
];

function envFlag(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'true';
}

function envNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

async function load<T>(specifier: string, loader: () => Promise<T>): Promise<T> {
  try {
    return await loader();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error(
        `${PACKAGE_NAME}/setup needs ${specifier}. Install the SDK packages it uses: ` +
          `npm install ${[...REQUIRED_PACKAGES, specifier].filter((p, i, all) => all.indexOf(p) === i).join(' ')}`,
      );
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

const disabledHandle = (protocol: string): TelemetryHandle => ({
  enabled: false,
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

type MetricsSdk = typeof import('@opentelemetry/sdk-metrics');
type MetricReader = InstanceType<MetricsSdk['MetricReader']>;

/** The readers `OTEL_METRICS_EXPORTER` names (`prometheus`, `otlp`, comma-separated; default none). */
async function metricReaders(sdk: MetricsSdk, env: Readonly<Record<string, string | undefined>>, names: string[]): Promise<MetricReader[]> {
  const readers: MetricReader[] = [];
  for (const name of names) {
    if (name === 'prometheus') {
      const { PrometheusExporter } = await load('@opentelemetry/exporter-prometheus', () => import('@opentelemetry/exporter-prometheus'));
      const port = envNumber(env.OTEL_EXPORTER_PROMETHEUS_PORT);
      readers.push(
        new PrometheusExporter({
          ...(env.OTEL_EXPORTER_PROMETHEUS_HOST ? { host: env.OTEL_EXPORTER_PROMETHEUS_HOST } : {}),
          ...(port !== undefined ? { port } : {}),
        }),
      );
    } else if (name === 'otlp') {
      const exporter =
        protocolOf('METRICS', env) === 'http/json'
          ? new (await load('@opentelemetry/exporter-metrics-otlp-http', () => import('@opentelemetry/exporter-metrics-otlp-http'))).OTLPMetricExporter()
          : new (await load('@opentelemetry/exporter-metrics-otlp-proto', () => import('@opentelemetry/exporter-metrics-otlp-proto'))).OTLPMetricExporter();
      const interval = envNumber(env.OTEL_METRIC_EXPORT_INTERVAL);
      readers.push(new sdk.PeriodicExportingMetricReader({ exporter, ...(interval !== undefined ? { exportIntervalMillis: interval } : {}) }));
    } else if (name !== 'none') {
      diag.warn(`OTEL_METRICS_EXPORTER=${name.slice(0, 20)} is not supported by ${PACKAGE_NAME}/setup; ignored`);
    }
  }
  return readers;
}

async function start(options: TelemetryOptions): Promise<TelemetryHandle> {
  const env = options.env ?? process.env;
  const level = diagLevel(env.OTEL_LOG_LEVEL) ?? (options.defaultLogLevel === 'warn' ? DiagLogLevel.WARN : undefined);
  if (level !== undefined) diag.setLogger(new DiagConsoleLogger(), { logLevel: level, suppressOverrideMessage: true });
  const protocol = protocolOf('TRACES', env);
  if (envFlag(env.OTEL_SDK_DISABLED)) return disabledHandle(protocol);

  const [node, base, resources, metricsSdk] = await Promise.all([
    load('@opentelemetry/sdk-trace-node', () => import('@opentelemetry/sdk-trace-node')),
    load('@opentelemetry/sdk-trace-base', () => import('@opentelemetry/sdk-trace-base')),
    load('@opentelemetry/resources', () => import('@opentelemetry/resources')),
    load('@opentelemetry/sdk-metrics', () => import('@opentelemetry/sdk-metrics')),
  ]);
  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));

  // Self-observability: the SDK counts the spans it drops or fails to export into this meter
  // provider; a private reader reports them on the diag logger, and the user's readers (when
  // OTEL_METRICS_EXPORTER names any) export them with the package's own metrics.
  const queueSize = envNumber(env.OTEL_BSP_MAX_QUEUE_SIZE) ?? DEFAULT_MAX_QUEUE_SIZE;
  const drops = createDropReporter(metricsSdk, queueSize);
  const metricExporters = (env.OTEL_METRICS_EXPORTER ?? 'none')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && name !== 'none');
  const meterProvider = new metricsSdk.MeterProvider({
    resource,
    readers: [drops.reader, ...(await metricReaders(metricsSdk, env, metricExporters))],
  });
  if (metricExporters.length > 0) metrics.setGlobalMeterProvider(meterProvider);

  let tracesExporter = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',')[0]!.trim().toLowerCase() || 'otlp';
  if (!['otlp', 'console', 'none'].includes(tracesExporter)) {
    diag.warn(`OTEL_TRACES_EXPORTER=${tracesExporter.slice(0, 20)} is not supported by ${PACKAGE_NAME}/setup; using otlp`);
    tracesExporter = 'otlp';
  }
  let exporter: import('@opentelemetry/sdk-trace-base').SpanExporter | undefined;
  if (tracesExporter === 'console') exporter = new base.ConsoleSpanExporter();
  else if (tracesExporter === 'otlp') {
    const config = { selfObsMeterProvider: meterProvider };
    exporter =
      protocol === 'http/json'
        ? new (await load('@opentelemetry/exporter-trace-otlp-http', () => import('@opentelemetry/exporter-trace-otlp-http'))).OTLPTraceExporter(config)
        : new (await load('@opentelemetry/exporter-trace-otlp-proto', () => import('@opentelemetry/exporter-trace-otlp-proto'))).OTLPTraceExporter(config);
  }
  const exportTimeout =
    envNumber(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) ?? envNumber(env.OTEL_EXPORTER_OTLP_TIMEOUT) ?? DEFAULT_EXPORT_TIMEOUT_MS;
  // The SDK's BufferConfig type leaves out selfObsMeterProvider, which its constructor passes on.
  const bufferConfig: import('@opentelemetry/sdk-trace-base').BufferConfig & { selfObsMeterProvider: MeterProvider } = {
    // Explicit values win over OTEL_BSP_* in the SDK, so pass ours only where the user set none.
    ...(env.OTEL_BSP_MAX_QUEUE_SIZE === undefined ? { maxQueueSize: DEFAULT_MAX_QUEUE_SIZE } : {}),
    ...(env.OTEL_BSP_EXPORT_TIMEOUT === undefined ? { exportTimeoutMillis: exportTimeout } : {}),
    selfObsMeterProvider: meterProvider,
  };
  const processor = exporter === undefined ? undefined : new base.BatchSpanProcessor(exporter, bufferConfig);
  const provider = new node.NodeTracerProvider({
    resource,
    sampler: new LifecycleSampler(samplerFromEnv(base, env)),
    spanProcessors: processor === undefined ? [] : [processor],
  });
  provider.register();
  const reporting = setInterval(() => void drops.report(), DROP_REPORT_INTERVAL_MS);
  reporting.unref();

  let stopping: Promise<void> | undefined;
  /** Flushes and stops; everything together waits at most the exporter timeout. */
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(reporting);
      const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), exportTimeout).unref());
      const traces = await Promise.race([provider.shutdown().then(() => 'ok' as const, () => 'failed' as const), deadline]);
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
 * Starts tracing for the process once (later calls return the same handle): a NodeTracerProvider
 * registered globally with the AsyncLocalStorage context manager, a BatchSpanProcessor sized for
 * lifecycle fan-outs, the OTLP/HTTP exporter (`OTEL_EXPORTER_OTLP_*`, protobuf unless
 * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json`), the resource from `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES`, and the `OTEL_TRACES_SAMPLER` sampler wrapped in a
 * `LifecycleSampler`. `OTEL_SDK_DISABLED=true` starts nothing.
 */
export function startTelemetry(options: TelemetryOptions = {}): Promise<TelemetryHandle> {
  const global = globalThis as GlobalWithHandle;
  global[HANDLE] ??= start(options);
  return global[HANDLE];
}

export type { DropTotals } from './types.js';
