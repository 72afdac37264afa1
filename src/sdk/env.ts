// Reading the standard OTEL_* environment variables the set-up entry point honours, on both SDK
// lines: numbers, flags, the diag level, the OTLP protocol, and the batch processor's settings
// (OTEL_BSP_*, which SDK 3's processor no longer reads itself).
import { DiagLogLevel } from '@opentelemetry/api';
import { logger } from '../log.js';
import { PACKAGE_NAME } from '../version.js';

/** The environment the set-up reads (`process.env`, or a test's). */
export type Env = Readonly<Record<string, string | undefined>>;

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

export function envFlag(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'true';
}

export function envNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function envCount(value: string | undefined): number | undefined {
  const n = envNumber(value);
  return n === undefined ? undefined : Math.max(1, Math.floor(n));
}

export function diagLevel(value: string | undefined): DiagLogLevel | undefined {
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

export function protocolOf(signal: 'TRACES' | 'METRICS', env: Env): 'http/protobuf' | 'http/json' {
  const protocol = (
    env[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`] ??
    env.OTEL_EXPORTER_OTLP_PROTOCOL ??
    'http/protobuf'
  ).trim();
  if (protocol === 'http/json' || protocol === 'http/protobuf') return protocol;
  logger.warn(`OTLP protocol ${protocol.slice(0, 20)} is not supported by ${PACKAGE_NAME}/setup; using http/protobuf`);
  return 'http/protobuf';
}

/** The exporter timeout: `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, else `OTEL_EXPORTER_OTLP_TIMEOUT`, else 10 s. */
export function exportTimeoutOf(env: Env): number {
  return (
    envNumber(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) ??
    envNumber(env.OTEL_EXPORTER_OTLP_TIMEOUT) ??
    DEFAULT_EXPORT_TIMEOUT_MS
  );
}

export type BatchSettings = ReturnType<typeof batchSettings>;

/** The batch processor's settings from `OTEL_BSP_*`, read here on both lines (SDK 3 reads none). */
export function batchSettings(env: Env, exportTimeout: number) {
  const maxQueueSize = envCount(env.OTEL_BSP_MAX_QUEUE_SIZE) ?? DEFAULT_MAX_QUEUE_SIZE;
  const maxExportBatchSize = Math.min(
    envCount(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE) ?? DEFAULT_MAX_EXPORT_BATCH_SIZE,
    maxQueueSize,
  );
  const userTimeout = envNumber(env.OTEL_BSP_EXPORT_TIMEOUT);
  // The export wrapper answers the processor before the processor's own timer fires, so the
  // processor never takes its failure path. Unless OTEL_BSP_EXPORT_TIMEOUT says otherwise, the
  // exporter's timeout is what bounds an export; the processor's timer is only a backstop.
  const exportTimeoutMillis = userTimeout ?? exportTimeout + 1_000;
  const answerWithinMs =
    userTimeout === undefined
      ? exportTimeout + 500
      : Math.max(1, userTimeout - Math.min(500, Math.ceil(userTimeout / 10)));
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
