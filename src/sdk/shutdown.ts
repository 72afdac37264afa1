// Stopping the set-up's pipeline: the whole span queue is delivered (or fails) within the exporter
// timeout, what was lost is reported, and the metrics side stops last. Also the metrics-only stop
// the exit handlers use when the host owns the signal.
import { logger } from '../log.js';
import type { DropReporter } from './drop-report.js';
import { guardedAsync } from './guarded-async.js';
import type { SerialExporter } from './serial-exporter.js';

interface Stoppable {
  shutdown(): Promise<void>;
}

export interface StopParts {
  tracerProvider: Stoppable;
  meterProvider: Stoppable;
  /** The export wrapper, when spans are exported at all. */
  exporter: SerialExporter | undefined;
  drops: DropReporter;
  /** Bounds the whole shutdown. */
  exportTimeoutMs: number;
  /** Stops what runs on a timer (the periodic drop report). */
  stopTimers(): void;
}

export interface Stopper {
  /** Flushes and stops everything; the same promise on every call. */
  shutdown(): Promise<void>;
  /** Stops only the metrics side (its HTTP endpoint, its readers); the same promise on every call. */
  stopMetrics(): Promise<void>;
  /** `true` once `shutdown()` was called. */
  readonly stopping: boolean;
}

type TraceOutcome = 'ok' | 'failed' | 'timeout';

/** Ends the trace side: the provider's shutdown, then every export still on its way. */
async function stopTraces(parts: StopParts, deadline: Promise<'timeout'>): Promise<TraceOutcome> {
  // From here the whole queue goes out at once, and failures reach the processor.
  parts.exporter?.beginShutdown();
  const stopped = parts.tracerProvider.shutdown().then(
    () => 'ok' as const,
    () => 'failed' as const,
  );
  const outcome = await Promise.race([stopped, deadline]);
  // One failed batch ends the processor's shutdown early; the others are still on their way.
  if (outcome === 'timeout' || parts.exporter === undefined) return outcome;
  return (await Promise.race([parts.exporter.whenIdle(), deadline])) === 'timeout' ? 'timeout' : outcome;
}

export function createStopper(parts: StopParts): Stopper {
  let metricsStopped: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  const stopMetrics = (): Promise<void> =>
    (metricsStopped ??= guardedAsync('stopping the metrics', () => parts.meterProvider.shutdown(), undefined));

  const run = async (): Promise<void> => {
    parts.stopTimers();
    const deadline = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), parts.exportTimeoutMs).unref(),
    );
    const traces = await stopTraces(parts, deadline);
    await parts.drops.report();
    if (traces === 'timeout') {
      logger.warn(
        `telemetry did not flush within the exporter timeout (${parts.exportTimeoutMs} ms); ` +
          'spans still being exported are lost',
      );
    } else if (traces === 'failed') {
      logger.warn('the last span export at shutdown failed; its spans are lost');
    }
    // The last totals, read while the metrics side still answers.
    await parts.drops.totals();
    await Promise.race([stopMetrics(), deadline]);
  };

  return {
    shutdown: () => (stopping ??= guardedAsync('shutdown', run, undefined)),
    stopMetrics,
    get stopping() {
      return stopping !== undefined;
    },
  };
}
