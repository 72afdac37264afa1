// One span export in flight, as the specification asks, and an answer to the processor in time.
//
// The SDK's BatchSpanProcessor (2.12, 3.1) resets its "exporting" flag twice after an export fails
// or times out, and from then on starts up to the OTLP exporter's 30 concurrent requests, with
// "Concurrent export limit reached" losses past that which no metric counts. The set-up's own
// processor runs one batch at a time outside a flush; this wrapper keeps the rule for the batches
// a flush hands over at once, and bounds how long the processor waits:
// - outside shutdown it runs one export at a time and queues the rest;
// - it answers each call within `answerWithinMs`: with the exporter's result, or with a failure
//   when the exporter has not answered by then. The exporter's own failures are counted by the
//   exporter (`otel.sdk.exporter.span.exported{error.type}`), which the drop report reads; a batch
//   given up before it reached the exporter is reported through `onAbandoned`;
// - from `beginShutdown()` on, it runs up to `drainConcurrency` exports at once, so a full queue
//   is delivered in one flush.
import { logger } from '../log.js';
import { errorFingerprint } from '../redact.js';
import { guarded } from '../guard.js';

export interface ExportResultLike {
  code: number;
  error?: Error | undefined;
}

export interface SpanExporterLike {
  export(spans: unknown[], resultCallback: (result: ExportResultLike) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/** `ExportResultCode` of `@opentelemetry/core`, the same in SDK 2 and SDK 3. */
const SUCCESS = 0;
const FAILED = 1;

export interface SerialExporterOptions {
  /** Every export call is answered within this many ms: set it below the processor's export timeout. */
  answerWithinMs: number;
  /** Exports at once from `beginShutdown()` on; at most the exporter's own concurrency limit. */
  drainConcurrency: number;
  /** Spans of a batch given up before it reached the exporter (the exporter was still busy). */
  onAbandoned(spans: number): void;
}

interface Pending {
  readonly spans: unknown[];
  readonly callback: (result: ExportResultLike) => void;
  answered: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

class ExportTimeout extends Error {
  override readonly name = 'timeout';
  constructor() {
    super('no answer from the exporter in time');
  }
}

export class SerialExporter implements SpanExporterLike {
  private readonly waiting: Pending[] = [];
  private running = 0;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  /** The most exports that were in flight at once outside shutdown (for diagnostics and tests). */
  maxInFlight = 0;

  constructor(
    private readonly inner: SpanExporterLike,
    private readonly options: SerialExporterOptions,
  ) {}

  export(spans: unknown[], resultCallback: (result: ExportResultLike) => void): void {
    const entry: Pending = { spans, callback: resultCallback, answered: false, timer: undefined };
    if (!this.draining) {
      entry.timer = setTimeout(() => this.giveUp(entry), this.options.answerWithinMs);
      entry.timer.unref?.();
    }
    this.waiting.push(entry);
    this.pump();
  }

  /** From now on: up to `drainConcurrency` exports run at once, and none is answered early. */
  beginShutdown(): void {
    if (this.draining) return;
    this.draining = true;
    for (const entry of this.waiting) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    this.pump();
  }

  /** Resolves once nothing is queued or in flight here. */
  whenIdle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async forceFlush(): Promise<void> {
    await this.whenIdle();
    await this.inner.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    this.beginShutdown();
    await this.whenIdle();
    await this.inner.shutdown();
  }

  private pump(): void {
    const limit = this.draining ? Math.max(1, this.options.drainConcurrency) : 1;
    while (this.running < limit && this.waiting.length > 0) this.start(this.waiting.shift()!);
    if (this.running === 0 && this.waiting.length === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private start(entry: Pending): void {
    this.running++;
    if (!this.draining && this.running > this.maxInFlight) this.maxInFlight = this.running;
    let finished = false;
    const finish = (result: ExportResultLike): void => {
      if (finished) return;
      finished = true;
      this.running--;
      if (result.code !== SUCCESS)
        logger.debug(`span export of ${entry.spans.length} spans failed (${errorFingerprint(result.error)})`);
      this.answer(entry, result);
      // The next export starts on a later turn: the OTLP exporter counts a request against its
      // concurrency limit until just after this callback returns.
      setImmediate(() => this.pump());
    };
    try {
      this.inner.export(entry.spans, finish);
    } catch (error) {
      finish({ code: FAILED, error: error instanceof Error ? error : new Error('export threw') });
    }
  }

  private answer(entry: Pending, result: ExportResultLike): void {
    if (entry.answered) return;
    entry.answered = true;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    guarded('the span processor callback', () => entry.callback(result), undefined);
  }

  /**
   * The processor's answer is due: a failure. A batch still queued here is given up and reported;
   * one in flight goes on, and its result is only logged.
   */
  private giveUp(entry: Pending): void {
    const queued = this.waiting.indexOf(entry);
    if (queued >= 0) {
      this.waiting.splice(queued, 1);
      this.options.onAbandoned(entry.spans.length);
      this.pump();
    }
    this.answer(entry, { code: FAILED, error: new ExportTimeout() });
  }
}
