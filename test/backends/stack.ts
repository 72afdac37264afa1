// The real backends for the end-to-end tests: Jaeger v2 and an OpenTelemetry Collector built from
// the Go module proxy by test/backends/build.sh, and Debian's Prometheus. Each one listens on free
// loopback ports only and is stopped by its own process id.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { eventually, ROOT, startService, type Service } from '../utils/processes.js';
import { freePort } from '../../support/net.js';

export const BACKENDS = join(ROOT, 'test', 'backends');
export const COLLECTOR_CONFIG = join(ROOT, 'otel-collector.yaml');

function binary(name: string): string {
  const path = join(BACKENDS, 'bin', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: build it with test/backends/build.sh`);
  return path;
}

export function tool(name: string): string {
  try {
    return execFileSync('which', [name], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed: run 'sudo bash tools/provision.sh' (npm test runs it first)`);
  }
}

const ports = (n: number) => Promise.all(Array.from({ length: n }, () => freePort()));

export interface Jaeger {
  readonly service: Service;
  /** Query API and UI, e.g. http://127.0.0.1:PORT. */
  readonly url: string;
  /** OTLP/gRPC receiver, host:port. */
  readonly otlp: string;
  /** A second OTLP/gRPC receiver into a storage the query API does not read: Tempo's stand-in. */
  readonly tempoOtlp: string;
}

export async function startJaeger(): Promise<Jaeger> {
  const [http, grpc, otlp, tempo] = await ports(4);
  const service = startService(binary('jaeger'), [`--config=${join(BACKENDS, 'jaeger.yaml')}`], {
    JAEGER_QUERY_HTTP_PORT: String(http),
    JAEGER_QUERY_GRPC_PORT: String(grpc),
    JAEGER_OTLP_GRPC_PORT: String(otlp),
    TEMPO_STANDIN_OTLP_GRPC_PORT: String(tempo),
  });
  const url = `http://127.0.0.1:${http}`;
  await ready(service, `${url}/api/services`, 'Jaeger query API');
  return { service, url, otlp: `127.0.0.1:${otlp}`, tempoOtlp: `127.0.0.1:${tempo}` };
}

export interface Collector {
  readonly service: Service;
  /** OTLP/HTTP endpoint for an SDK, e.g. http://127.0.0.1:PORT. */
  readonly otlpHttp: string;
  /** OTLP/gRPC receiver, host:port. */
  readonly otlpGrpc: string;
  /** Where the prometheus exporter serves span metrics, host:port. */
  readonly metrics: string;
  /** The collector's own telemetry (Prometheus text), URL. */
  readonly telemetryUrl: string;
}

/**
 * Runs a collector on `config` (default: the repository's otel-collector.yaml), with an overlay file
 * that only moves endpoints onto loopback ports (the collector merges `--config` files in order):
 * the OTLP receiver's, the prometheus exporter's when the config has one, the collector's own
 * telemetry, and the `exporters` given (exporter name to a YAML flow mapping of its overrides).
 */
export async function startCollector(
  work: string,
  name: string,
  exporters: Record<string, string>,
  config = COLLECTOR_CONFIG,
): Promise<Collector> {
  const [grpc, http, metrics, telemetry] = await ports(4);
  const { exporters: defined } = parse(readFileSync(config, 'utf8')) as { exporters: Record<string, unknown> };
  const overlay = join(work, `${name}.overlay.yaml`);
  writeFileSync(
    overlay,
    `${[
      'receivers:',
      '  otlp:',
      '    protocols:',
      `      grpc: { endpoint: "127.0.0.1:${grpc}" }`,
      `      http: { endpoint: "127.0.0.1:${http}" }`,
      'exporters:',
      ...Object.entries(exporters).map(([exporter, overrides]) => `  ${exporter}: ${overrides}`),
      ...(defined.prometheus === undefined ? [] : [`  prometheus: { endpoint: "127.0.0.1:${metrics}" }`]),
      'service:',
      '  telemetry:',
      '    metrics:',
      '      readers:',
      `        - pull: { exporter: { prometheus: { host: "127.0.0.1", port: ${telemetry} } } }`,
    ].join('\n')}\n`,
  );
  const service = startService(binary('otelcol'), [`--config=${config}`, `--config=${overlay}`], {});
  const otlpHttp = `http://127.0.0.1:${http}`;
  // Receivers start last: once OTLP/HTTP answers, the pipelines behind it are running.
  await eventually(
    async () => {
      if (service.child.exitCode !== null) throw new Error(`collector ${name} exited:\n${service.output()}`);
      const response = await fetch(`${otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      return response.ok ? true : undefined;
    },
    30_000,
    `collector ${name} ready`,
  ).catch(async (error: unknown) => {
    await service.stop();
    throw new Error(`${String(error)}\n${service.output()}`);
  });
  return {
    service,
    otlpHttp,
    otlpGrpc: `127.0.0.1:${grpc}`,
    metrics: `127.0.0.1:${metrics}`,
    telemetryUrl: `http://127.0.0.1:${telemetry}/metrics`,
  };
}

/** What the collector's tail sampler has seen: new trace ids, and traces it has decided. */
export async function tailSampler(collector: Collector): Promise<{ received: number; decided: number }> {
  return {
    received: await scrapeSum(collector.telemetryUrl, 'otelcol_processor_tail_sampling_new_trace_id_received'),
    decided: await scrapeSum(collector.telemetryUrl, 'otelcol_processor_tail_sampling_global_count_traces_sampled'),
  };
}

/**
 * The example session host (examples/session-host/main.ts) through the zero-code set-up, exporting
 * OTLP/HTTP to `otlpHttp` as `serviceName`, as test/prometheus.test.ts starts it.
 */
export async function startExampleHost(
  otlpHttp: string,
  serviceName: string,
  env: Record<string, string> = {},
): Promise<{ service: Service; url: string }> {
  const service = startService(
    process.execPath,
    ['--import', 'tsx', '--import', 'otel-session-lifecycle/register', 'examples/session-host/main.ts'],
    {
      OTEL_SERVICE_NAME: serviceName,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpHttp,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...env,
    },
  );
  const line = await service.waitForLine((l) => l.startsWith('{"url"'), 30_000);
  return { service, url: (JSON.parse(line) as { url: string }).url };
}

export interface Prometheus {
  readonly service: Service;
  readonly url: string;
  query<T>(promql: string): Promise<T>;
}

export async function startPrometheus(work: string, targets: string[], ruleFiles: string[]): Promise<Prometheus> {
  return startPrometheusWith(
    work,
    `${[
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      ...ruleFiles.map((f) => `  - ${f}`),
      'scrape_configs:',
      '  - job_name: collector',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
    ].join('\n')}\n`,
  );
}

/** A real Prometheus on a free loopback port, with this configuration (YAML). */
export async function startPrometheusWith(work: string, configYaml: string): Promise<Prometheus> {
  const [port] = await ports(1);
  const url = `http://127.0.0.1:${port}`;
  const config = join(work, 'prometheus.yml');
  writeFileSync(config, configYaml);
  const service = startService(
    tool('prometheus'),
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(work, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    {},
  );
  await ready(service, `${url}/-/ready`, 'Prometheus');
  return {
    service,
    url,
    async query<T>(promql: string): Promise<T> {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { status: string; data: { result: T } };
      if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
      return body.data.result;
    },
  };
}

async function ready(service: Service, url: string, what: string): Promise<void> {
  await eventually(
    async () => {
      if (service.child.exitCode !== null) throw new Error(`${what} exited:\n${service.output()}`);
      return (await fetch(url)).ok ? true : undefined;
    },
    30_000,
    what,
  ).catch(async (error: unknown) => {
    await service.stop();
    throw new Error(`${String(error)}\n${service.output()}`);
  });
}

/** Sums the samples of one metric in Prometheus text format, optionally only where `labels` match. */
export async function scrapeSum(url: string, metric: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match === null || match[1] !== metric) continue;
    const set = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

// --- Jaeger's HTTP query API (the JSON the UI reads) ---

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }>;
  tags: Array<{ key: string; type: string; value: unknown }>;
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

export function tag(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}

export const parentOf = (span: JaegerSpan) => span.references.find((r) => r.refType === 'CHILD_OF');
export const followsFrom = (span: JaegerSpan) => span.references.filter((r) => r.refType === 'FOLLOWS_FROM');

export interface JaegerSearch {
  operation?: string;
  tags?: Record<string, string>;
}

export class JaegerQuery {
  constructor(readonly url: string) {}

  private async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`);
    const body = (await response.json()) as { data?: T; errors?: unknown; result?: unknown };
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
    return body as T;
  }

  async services(): Promise<string[]> {
    return (await this.get<{ data: string[] | null }>('/api/services')).data ?? [];
  }

  /** Jaeger's search: the traces with a span of `service` matching the operation and tags. */
  async find(service: string, search: JaegerSearch = {}): Promise<JaegerTrace[]> {
    const params = new URLSearchParams({ service, limit: '1000', lookback: '1h' });
    if (search.operation !== undefined) params.set('operation', search.operation);
    if (search.tags !== undefined) params.set('tags', JSON.stringify(search.tags));
    return (await this.get<{ data: JaegerTrace[] | null }>(`/api/traces?${params}`)).data ?? [];
  }

  async trace(traceID: string): Promise<JaegerTrace> {
    const data = (await this.get<{ data: JaegerTrace[] }>(`/api/traces/${traceID}`)).data;
    if (data.length !== 1) throw new Error(`trace ${traceID}: ${data.length} traces`);
    return data[0]!;
  }

  /** API v3: the trace as OTLP JSON, which keeps what the v1 JSON leaves out (link attributes). */
  async otlpTrace(traceID: string): Promise<OtlpSpan[]> {
    const body = await this.get<{ result?: { resourceSpans?: OtlpResourceSpans[] } }>(`/api/v3/traces/${traceID}`);
    return (body.result?.resourceSpans ?? []).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  }
}

interface OtlpResourceSpans {
  scopeSpans: Array<{ spans: OtlpSpan[] }>;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  links?: Array<{ traceId: string; spanId: string; attributes?: OtlpAttribute[] }>;
}

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}
