// The metrics side of the set-up: the readers `OTEL_METRICS_EXPORTER` names (`prometheus`, `otlp`,
// comma-separated; default none) and the SDK meter provider that feeds them and the private drop
// reader. The Prometheus endpoint listens on loopback unless `OTEL_EXPORTER_PROMETHEUS_HOST` names
// another address, as the OpenTelemetry configuration schema's default is: a metrics endpoint is
// exposed to other hosts only when the operator asks.
import { metrics } from '@opentelemetry/api';
import { logger } from '../log.js';
import { PACKAGE_NAME } from '../version.js';
import { envNumber, protocolOf, type Env } from './env.js';
import type { HostLine } from './lines.js';
import { load, type MetricsSdk, type Resource } from './sdk-loader.js';

type MetricReader = InstanceType<MetricsSdk['MetricReader']>;
type MeterProviderSdk = InstanceType<MetricsSdk['MeterProvider']>;
type PrometheusPackage = typeof import('@opentelemetry/exporter-prometheus');
type OtlpMetricsPackage = typeof import('@opentelemetry/exporter-metrics-otlp-proto');

/** Where the Prometheus endpoint listens unless `OTEL_EXPORTER_PROMETHEUS_HOST` is set. */
export const DEFAULT_PROMETHEUS_HOST = '127.0.0.1';

/** The exporters `OTEL_METRICS_EXPORTER` names, lower-cased, without `none`. */
export function metricExporterNames(env: Env): string[] {
  return (env.OTEL_METRICS_EXPORTER ?? 'none')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '' && name !== 'none');
}

/** The Prometheus exporter's options: loopback and its default port unless the environment says otherwise. */
export function prometheusOptions(env: Env): { host: string; port?: number } {
  const port = envNumber(env.OTEL_EXPORTER_PROMETHEUS_PORT);
  return {
    host: env.OTEL_EXPORTER_PROMETHEUS_HOST?.trim() || DEFAULT_PROMETHEUS_HOST,
    ...(port !== undefined ? { port } : {}),
  };
}

/** The readers of the exporters `names` lists; an unsupported name is reported and skipped. */
export async function metricReaders(
  host: HostLine,
  sdk: MetricsSdk,
  env: Env,
  names: readonly string[],
): Promise<MetricReader[]> {
  const readers: MetricReader[] = [];
  for (const name of names) {
    if (name === 'prometheus') {
      const { PrometheusExporter } = await load<PrometheusPackage>(host, 'prometheus');
      readers.push(new PrometheusExporter(prometheusOptions(env)));
    } else if (name === 'otlp') {
      const role = protocolOf('METRICS', env) === 'http/json' ? 'metricExporterJson' : 'metricExporterProto';
      const { OTLPMetricExporter } = await load<OtlpMetricsPackage>(host, role);
      const interval = envNumber(env.OTEL_METRIC_EXPORT_INTERVAL);
      readers.push(
        new sdk.PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter(),
          ...(interval !== undefined ? { exportIntervalMillis: interval } : {}),
        }),
      );
    } else {
      logger.warn(`OTEL_METRICS_EXPORTER=${name.slice(0, 20)} is not supported by ${PACKAGE_NAME}/setup; ignored`);
    }
  }
  return readers;
}

export interface MetricPipeline {
  readonly meterProvider: MeterProviderSdk;
  /** The exporters started, as `OTEL_METRICS_EXPORTER` named them. */
  readonly exporters: readonly string[];
}

/**
 * The SDK meter provider: the drop reader always, the exporters' readers when named. It becomes the
 * global meter provider only when an exporter reads it, so the host's own stays otherwise.
 */
export async function startMetrics(
  host: HostLine,
  sdk: MetricsSdk,
  resource: Resource,
  env: Env,
  dropReader: MetricReader,
): Promise<MetricPipeline> {
  const exporters = metricExporterNames(env);
  const meterProvider = new sdk.MeterProvider({
    resource,
    readers: [dropReader, ...(await metricReaders(host, sdk, env, exporters))],
  });
  if (exporters.length > 0) metrics.setGlobalMeterProvider(meterProvider);
  return { meterProvider, exporters };
}
