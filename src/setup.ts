// The opt-in set-up entry point (`otel-session-lifecycle/setup`, and `/register` for
// `node --import`): a NodeTracerProvider with a BatchSpanProcessor and the OTLP/HTTP exporter,
// configured from the standard environment variables. The SDK packages are optional peer
// dependencies, loaded only here.
import { diag, DiagConsoleLogger, DiagLogLevel, metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { samplerFromEnv } from './env-sampler.js';
import { LifecycleSampler } from './sampler.js';
import { PACKAGE_NAME } from './version.js';

/**
 * Span queue of the BatchSpanProcessor unless `OTEL_BSP_MAX_QUEUE_SIZE` is set. A dispose-all
 * ends, in one synchronous burst, up to `maxClosedRunSpansPerAction` (1,000) closed-run spans
 * plus the run spans of every run it interrupted; the SDK's default of 2,048 drops most of a
 * 10,000-run burst. 16,384 spans of about 1.1 KB each bound the queue near 18 MB.
 */
export const DEFAULT_MAX_QUEUE_SIZE = 16_384;
const DEFAULT_EXPORT_TIMEOUT_MS = 10_000;

export interface TelemetryOptions {
  /** Flush on SIGTERM, SIGINT and `beforeExit` (default `true`). */
  handleExit?: boolean;
  /** Environment to read instead of `process.env` (tests). */
  env?: Readonly<Record<string, string | undefined>>;
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
  /** Flushes and stops, waiting at most the exporter timeout. Safe to call more than once. */
  shutdown(): Promise<void>;
}

const HANDLE = Symbol.for('otel-session-lifecycle.telemetry');
type GlobalWithHandle = typeof globalThis & { [HANDLE]?: Promise<TelemetryHandle> };

const REQUIRED_PACKAGES = [
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/resources',
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
  const level = diagLevel(env.OTEL_LOG_LEVEL);
  if (level !== undefined) diag.setLogger(new DiagConsoleLogger(), { logLevel: level, suppressOverrideMessage: true });
  const protocol = protocolOf('TRACES', env);
  if (envFlag(env.OTEL_SDK_DISABLED)) return disabledHandle(protocol);

  const [node, base, resources] = await Promise.all([
    load('@opentelemetry/sdk-trace-node', () => import('@opentelemetry/sdk-trace-node')),
    load('@opentelemetry/sdk-trace-base', () => import('@opentelemetry/sdk-trace-base')),
    load('@opentelemetry/resources', () => import('@opentelemetry/resources')),
  ]);
  let tracesExporter = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',')[0]!.trim().toLowerCase() || 'otlp';
  if (!['otlp', 'console', 'none'].includes(tracesExporter)) {
    diag.warn(`OTEL_TRACES_EXPORTER=${tracesExporter.slice(0, 20)} is not supported by ${PACKAGE_NAME}/setup; using otlp`);
    tracesExporter = 'otlp';
  }
  let exporter: import('@opentelemetry/sdk-trace-base').SpanExporter | undefined;
  if (tracesExporter === 'console') exporter = new base.ConsoleSpanExporter();
  else if (tracesExporter === 'otlp') {
    exporter =
      protocol === 'http/json'
        ? new (await load('@opentelemetry/exporter-trace-otlp-http', () => import('@opentelemetry/exporter-trace-otlp-http'))).OTLPTraceExporter()
        : new (await load('@opentelemetry/exporter-trace-otlp-proto', () => import('@opentelemetry/exporter-trace-otlp-proto'))).OTLPTraceExporter();
  }
  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));

  const metricExporters = (env.OTEL_METRICS_EXPORTER ?? 'none')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && name !== 'none');
  let meterProvider: InstanceType<MetricsSdk['MeterProvider']> | undefined;
  if (metricExporters.length > 0) {
    const sdk = await load('@opentelemetry/sdk-metrics', () => import('@opentelemetry/sdk-metrics'));
    meterProvider = new sdk.MeterProvider({ resource, readers: await metricReaders(sdk, env, metricExporters) });
    metrics.setGlobalMeterProvider(meterProvider);
  }
  const exportTimeout =
    envNumber(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) ?? envNumber(env.OTEL_EXPORTER_OTLP_TIMEOUT) ?? DEFAULT_EXPORT_TIMEOUT_MS;
  const processor = exporter === undefined ? undefined : new base.BatchSpanProcessor(exporter, {
    // Explicit values win over OTEL_BSP_* in the SDK, so pass ours only where the user set none.
    ...(env.OTEL_BSP_MAX_QUEUE_SIZE === undefined ? { maxQueueSize: DEFAULT_MAX_QUEUE_SIZE } : {}),
    ...(env.OTEL_BSP_EXPORT_TIMEOUT === undefined ? { exportTimeoutMillis: exportTimeout } : {}),
    // The SDK then counts what it drops: otel.sdk.processor.span.processed{error.type="queue_full"}.
    ...(meterProvider !== undefined ? { selfObsMeterProvider: meterProvider } : {}),
  });
  const provider = new node.NodeTracerProvider({
    resource,
    sampler: new LifecycleSampler(samplerFromEnv(base, env)),
    spanProcessors: processor === undefined ? [] : [processor],
  });
  provider.register();

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        diag.warn(`${PACKAGE_NAME}: telemetry shutdown took longer than ${exportTimeout} ms; not waiting`);
        resolve();
      }, exportTimeout);
      timer.unref();
      Promise.all([provider.shutdown(), meterProvider?.shutdown()]).then(
        () => (clearTimeout(timer), resolve()),
        () => (clearTimeout(timer), diag.error(`${PACKAGE_NAME}: telemetry shutdown failed`), resolve()),
      );
    });
    return stopping;
  };
  const handle: TelemetryHandle = {
    enabled: true,
    tracerProvider: provider,
    meterProvider: meterProvider ?? metrics.getMeterProvider(),
    metricExporters,
    protocol,
    forceFlush: async () => {
      await Promise.all([provider.forceFlush(), meterProvider?.forceFlush()]);
    },
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
