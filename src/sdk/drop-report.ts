// Lost spans are counted and reported, never silent: the set-up's processor counts what its full
// queue dropped, by kind; the exporter counts its failed exports in the SDK's self-observability
// metric, which a private reader sums. Every increase is reported on the diag logger.
import { logger } from '../log.js';
import { guardedAsync } from './guarded-async.js';
import { EVIDENCE_KINDS, noSpans, SPAN_KINDS, type SpanCounts } from './evidence-queue.js';
import type { DropTotals } from './types.js';

type MetricsSdk = typeof import('@opentelemetry/sdk-metrics');

export interface DropReporter {
  readonly reader: InstanceType<MetricsSdk['MetricReader']>;
  /** The totals so far; once the metrics side has stopped, the last totals read. Never rejects. */
  totals(): Promise<DropTotals>;
  /** Logs a warning for what was lost since the last report. */
  report(): Promise<void>;
}

const EXPORTED = 'otel.sdk.exporter.span.exported';

export interface DropSources {
  /** Spans the processor's full queue dropped, by kind. */
  queueFull(): SpanCounts;
  /** Spans the export wrapper gave up before they reached the exporter; counted as failed. */
  abandoned(): number;
}

const sum = (counts: SpanCounts): number => SPAN_KINDS.reduce((total, kind) => total + counts[kind], 0);

/** `12 run_completed, 1 action`: the kinds that grew since `before`. */
function kindsSince(now: SpanCounts, before: SpanCounts): string {
  return SPAN_KINDS.filter((kind) => now[kind] > before[kind])
    .map((kind) => `${now[kind] - before[kind]} ${kind}`)
    .join(', ');
}

export function createDropReporter(sdk: MetricsSdk, queueSize: number, sources: DropSources): DropReporter {
  class DropReader extends sdk.MetricReader {
    constructor() {
      super({ aggregationTemporalitySelector: () => sdk.AggregationTemporality.CUMULATIVE });
    }
    protected override async onForceFlush(): Promise<void> {}
    protected override async onShutdown(): Promise<void> {
      stopped = true;
    }
  }
  let stopped = false;
  const reader = new DropReader();
  const none = (): DropTotals => ({ queueFull: 0, queueFullByKind: noSpans(), exportFailed: 0 });
  let reported = none();
  let last = none();
  const read = async (): Promise<DropTotals> => {
    const byKind = sources.queueFull();
    const result: DropTotals = { queueFull: sum(byKind), queueFullByKind: byKind, exportFailed: sources.abandoned() };
    const { resourceMetrics } = await reader.collect();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== EXPORTED) continue;
        for (const point of metric.dataPoints) {
          if (typeof point.value === 'number' && point.attributes['error.type'] !== undefined)
            result.exportFailed += point.value;
        }
      }
    }
    last = result;
    return result;
  };
  // After shutdown the reader answers no more: the last totals stand.
  const totals = async (): Promise<DropTotals> => {
    if (stopped) return last;
    return guardedAsync('reading the span drop counts', read, last);
  };

  return {
    reader,
    totals,
    async report() {
      const now = await totals();
      if (now.queueFull > reported.queueFull) {
        const evidence = EVIDENCE_KINDS.some((kind) => now.queueFullByKind[kind] > reported.queueFullByKind[kind]);
        logger.warn(
          `${now.queueFull - reported.queueFull} spans dropped ` +
            `because the span queue (${queueSize}) was full ` +
            `(${now.queueFull} in all): ${kindsSince(now.queueFullByKind, reported.queueFullByKind)}; ` +
            (evidence ? 'lifecycle evidence is missing' : 'the lifecycle evidence was kept') +
            ': raise OTEL_BSP_MAX_QUEUE_SIZE',
        );
      }
      if (now.exportFailed > reported.exportFailed) {
        logger.warn(
          `${now.exportFailed - reported.exportFailed} spans could not be exported ` +
            `(${now.exportFailed} in all); ` +
            'check OTEL_EXPORTER_OTLP_ENDPOINT and the collector',
        );
      }
      reported = now;
    },
  };
}
