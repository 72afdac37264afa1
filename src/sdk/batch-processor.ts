// The set-up's batching span processor: the schedule and limits of the SDK's BatchSpanProcessor
// (`OTEL_BSP_*`: a batch goes out when it is full or after the schedule delay, one at a time),
// over the evidence-first queue, with the SDK's self-observability metrics
// (`otel.sdk.processor.span.*`). Exports run with tracing suppressed, as the SDK's do, and wait for
// a resource's asynchronous attributes.
//
// While the backend is down the queue holds on to the evidence: after a failed export the next
// one waits (1 s, doubling up to 5 s) and sends the least useful spans first, so the evidence stays
// queued until an export succeeds, and the queue, once full, drops completed runs in its place.
// A flush (and shutdown) sends everything at once, evidence first.
import { context, TraceFlags, type Context, type MeterProvider } from '@opentelemetry/api';
import { guarded } from '../guard.js';
import { logger } from '../log.js';
import { EvidenceQueue, type QueuedSpanLike, type SpanCounts } from './evidence-queue.js';
import type { ExportResultLike, SpanExporterLike } from './serial-exporter.js';

export interface BatchSpanLike extends QueuedSpanLike {
  spanContext(): { traceFlags: number };
  readonly resource?: { asyncAttributesPending?: boolean; waitForAsyncAttributes?(): Promise<void> };
}

export interface BatchProcessorOptions {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
  /** Receives `otel.sdk.processor.span.processed` and the queue's size and capacity. */
  meterProvider: MeterProvider;
  /** `suppressTracing` of `@opentelemetry/core`: the exporter's own requests are not traced. */
  suppressTracing(context: Context): Context;
}

const COMPONENT_TYPE = 'batching_span_processor';
const FIRST_BACKOFF_MS = 1_000;
const LAST_BACKOFF_MS = 5_000;
let instances = 0;

export class EvidenceBatchProcessor {
  private readonly queue: EvidenceQueue<BatchSpanLike>;
  private readonly batchSize: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private exporting = false;
  /** How long the next export waits: 0 while exports succeed. */
  private backoffMs = 0;
  private stopping: Promise<void> | undefined;
  private readonly processed;
  private readonly standard: Record<string, string>;
  private readonly queueFull: Record<string, string>;

  constructor(
    private readonly exporter: SpanExporterLike,
    private readonly options: BatchProcessorOptions,
  ) {
    this.queue = new EvidenceQueue(Math.max(1, options.maxQueueSize));
    this.batchSize = Math.max(1, Math.min(options.maxExportBatchSize, this.queue.capacity));
    const meter = options.meterProvider.getMeter('otel-session-lifecycle/setup');
    this.standard = {
      'otel.component.type': COMPONENT_TYPE,
      'otel.component.name': `${COMPONENT_TYPE}/${instances++}`,
    };
    this.queueFull = { ...this.standard, 'error.type': 'queue_full' };
    this.processed = meter.createCounter('otel.sdk.processor.span.processed', {
      unit: '{span}',
      description: 'The number of spans for which the processing has finished, either successful or failed.',
    });
    meter
      .createUpDownCounter('otel.sdk.processor.span.queue.capacity', { unit: '{span}' })
      .add(this.queue.capacity, this.standard);
    meter
      .createObservableUpDownCounter('otel.sdk.processor.span.queue.size', { unit: '{span}' })
      .addCallback((result) => result.observe(this.queue.size, this.standard));
  }

  /** Spans dropped because the queue was full, by kind. */
  dropped(): SpanCounts {
    return { ...this.queue.dropped };
  }

  onStart(): void {}

  onEnd(span: BatchSpanLike): void {
    if (this.stopping !== undefined || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.queue.add(span) !== undefined) this.processed.add(1, this.queueFull);
    this.schedule();
  }

  forceFlush(): Promise<void> {
    return this.stopping ?? this.flushAll();
  }

  shutdown(): Promise<void> {
    this.stopping ??= this.flushAll().then(() => this.exporter.shutdown());
    return this.stopping;
  }

  private schedule(): void {
    if (this.exporting || this.queue.size === 0) return;
    if (this.backoffMs === 0 && this.queue.size >= this.batchSize) {
      this.exportNext();
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.exportNext(), this.backoffMs || this.options.scheduledDelayMillis);
    this.timer.unref?.();
  }

  private exportNext(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.size === 0) return;
    this.exporting = true;
    void this.exportBatch(this.backoffMs === 0).then((ok) => {
      this.exporting = false;
      this.backoffMs = ok ? 0 : Math.min(LAST_BACKOFF_MS, Math.max(FIRST_BACKOFF_MS, 2 * this.backoffMs));
      this.schedule();
    });
  }

  /** Every queued span, in batches handed over at once (the exporter decides how many run). */
  private async flushAll(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batches: Promise<boolean>[] = [];
    while (this.queue.size > 0) batches.push(this.exportBatch(true));
    await Promise.all(batches);
  }

  /**
   * One batch, the evidence first or last; resolves `true` when the exporter answers success,
   * `false` on a failure or when the export timeout passes. Never rejects.
   */
  private exportBatch(evidenceFirst: boolean): Promise<boolean> {
    const spans = this.queue.take(this.batchSize, evidenceFirst);
    return new Promise<boolean>((resolve) => {
      const timeout = setTimeout(() => resolve(false), this.options.exportTimeoutMillis);
      timeout.unref?.();
      const done = (result: ExportResultLike): void => {
        clearTimeout(timeout);
        const ok = result.code === 0;
        const attributes = ok
          ? this.standard
          : { ...this.standard, 'error.type': result.error?.name ?? 'export_failed' };
        this.processed.add(spans.length, attributes);
        resolve(ok);
      };
      const send = (): void => guarded('exporting spans', () => this.exporter.export(spans, done), undefined);
      context.with(this.options.suppressTracing(context.active()), () => {
        const pending = spans.flatMap((span) =>
          span.resource?.asyncAttributesPending && span.resource.waitForAsyncAttributes
            ? [span.resource.waitForAsyncAttributes()]
            : [],
        );
        if (pending.length === 0) return send();
        Promise.all(pending).then(send, () => {
          logger.warn(`a resource's attributes failed; ${spans.length} spans were not exported`);
          done({ code: 1 });
        });
      });
    });
  }
}
