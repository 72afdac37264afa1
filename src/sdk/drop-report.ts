// Lost spans are counted and reported, never silent. The SDK's own self-observability metrics
// count them: the batch processor's queue_full drops, and the exporter's failed exports. This
// private reader sums both and reports every increase on the diag logger.
import { logger } from '../log.js';
import { guardedAsync } from './guarded-async.js';
import type { DropTotals } from './types.js';

type MetricsSdk = typeof import('@opentelemetry/sdk-metrics');

export interface DropReporter {
  readonly reader: InstanceType<MetricsSdk['MetricReader']>;
  /** The totals so far; once the metrics side has stopped, the last totals read. Never rejects. */
  totals(): Promise<DropTotals>;
  /** Logs a warning for what was lost since the last report. */
  report(): Promise<void>;
}

const PROCESSED = 'otel.sdk.processor.span.processed';
const EXPORTED = 'otel.sdk.exporter.span.exported';

/**
 * `abandoned()`: spans the set-up's export wrapper gave up before they reached the exporter;
 * counted with the failed exports.
 */
export function createDropReporter(
  sdk: MetricsSdk,
  queueSize: number,
  abandoned: () => number = () => 0,
): DropReporter {
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
  const reported: DropTotals = { queueFull: 0, exportFailed: 0 };

  let last: DropTotals = { queueFull: 0, exportFailed: 0 };
  const read = async (): Promise<DropTotals> => {
    const result: DropTotals = { queueFull: 0, exportFailed: abandoned() };
    const { resourceMetrics } = await reader.collect();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        for (const point of metric.dataPoints) {
          const errorType = point.attributes['error.type'];
          if (typeof point.value !== 'number' || errorType === undefined) continue;
          if (metric.descriptor.name === PROCESSED && errorType === 'queue_full') result.queueFull += point.value;
          if (metric.descriptor.name === EXPORTED) result.exportFailed += point.value;
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
        logger.warn(
          `${now.queueFull - reported.queueFull} spans dropped ` +
            `because the span queue (${queueSize}) was full ` +
            `(${now.queueFull} in all); lifecycle evidence may be missing: raise OTEL_BSP_MAX_QUEUE_SIZE`,
        );
      }
      if (now.exportFailed > reported.exportFailed) {
        logger.warn(
          `${now.exportFailed - reported.exportFailed} spans could not be exported ` +
            `(${now.exportFailed} in all); ` +
            'check OTEL_EXPORTER_OTLP_ENDPOINT and the collector',
        );
      }
      Object.assign(reported, now);
    },
  };
}
