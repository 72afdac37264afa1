// The span side of the set-up: the exporter `OTEL_TRACES_EXPORTER` names (OTLP over HTTP in the
// protocol chosen, the console, or none), wrapped so one export is in flight at a time and the
// whole queue goes out at shutdown, behind a batching processor sized for lifecycle fan-outs whose
// full queue keeps the lifecycle evidence first.
import type { Context, MeterProvider } from '@opentelemetry/api';
import { logger } from '../log.js';
import { PACKAGE_NAME } from '../version.js';
import type { BatchSettings, Env } from './env.js';
import type { HostLine } from './lines.js';
import { EvidenceBatchProcessor } from './batch-processor.js';
import { load, type OtlpExporterClass, type TraceSdk } from './sdk-loader.js';
import { SerialExporter, type SpanExporterLike } from './serial-exporter.js';

type TracesExporter = 'otlp' | 'console' | 'none';
const SUPPORTED: readonly string[] = ['otlp', 'console', 'none'];

/** The first exporter `OTEL_TRACES_EXPORTER` names (default `otlp`); an unsupported one is `otlp`. */
export function tracesExporterOf(env: Env): TracesExporter {
  const name = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',')[0]!.trim().toLowerCase() || 'otlp';
  if (SUPPORTED.includes(name)) return name as TracesExporter;
  logger.warn(`OTEL_TRACES_EXPORTER=${name.slice(0, 20)} is not supported by ${PACKAGE_NAME}/setup; using otlp`);
  return 'otlp';
}

export interface SpanPipelineOptions {
  protocol: 'http/protobuf' | 'http/json';
  batch: BatchSettings;
  /** Receives the self-observability metrics (dropped and failed spans). */
  meterProvider: MeterProvider;
  /** `suppressTracing` of `@opentelemetry/core`. */
  suppressTracing(context: Context): Context;
  /** Spans the export wrapper gave up before they reached the exporter. */
  onAbandoned(spans: number): void;
}

export interface SpanPipeline {
  /** The export wrapper; `undefined` with `OTEL_TRACES_EXPORTER=none`. */
  readonly exporter: SerialExporter | undefined;
  /** The batching processor; `undefined` with `OTEL_TRACES_EXPORTER=none`. */
  readonly processor: EvidenceBatchProcessor | undefined;
}

export async function createSpanPipeline(
  host: HostLine,
  traceSdk: TraceSdk,
  env: Env,
  options: SpanPipelineOptions,
): Promise<SpanPipeline> {
  const { batch } = options;
  const which = tracesExporterOf(env);
  let inner: SpanExporterLike | undefined;
  if (which === 'console') inner = traceSdk.consoleExporter();
  else if (which === 'otlp') {
    const role = options.protocol === 'http/json' ? 'traceExporterJson' : 'traceExporterProto';
    const { OTLPTraceExporter } = await load<{ OTLPTraceExporter: OtlpExporterClass }>(host, role);
    inner = new OTLPTraceExporter({
      selfObsMeterProvider: options.meterProvider,
      concurrencyLimit: batch.exporterConcurrency,
    });
  }
  if (inner === undefined) return { exporter: undefined, processor: undefined };
  const exporter = new SerialExporter(inner, {
    answerWithinMs: batch.answerWithinMs,
    drainConcurrency: batch.exporterConcurrency,
    onAbandoned: options.onAbandoned,
  });
  const processor = new EvidenceBatchProcessor(exporter, {
    maxQueueSize: batch.maxQueueSize,
    maxExportBatchSize: batch.maxExportBatchSize,
    scheduledDelayMillis: batch.scheduledDelayMillis,
    exportTimeoutMillis: batch.exportTimeoutMillis,
    meterProvider: options.meterProvider,
    suppressTracing: options.suppressTracing,
  });
  return { exporter, processor };
}
