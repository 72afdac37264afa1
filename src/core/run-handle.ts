// The handle a host holds for a run: a thin public object over the core's private record. It
// reads what the host may read and forwards what the host says to the code that owns the run.
import type { Span } from '@opentelemetry/api';
import { errorFingerprint } from '../redact.js';
import type { CloseClassification, InterruptMeta, RunEndOptions, RunHandle } from '../types.js';
import { verdictOf } from './close.js';
import type { RunRecord } from './records.js';

export class Run implements RunHandle {
  readonly #record: RunRecord;

  constructor(record: RunRecord) {
    this.#record = record;
  }

  get runId(): string {
    return this.#record.runId;
  }

  get signal(): AbortSignal {
    return this.#record.signal();
  }

  get span(): Span {
    return this.#record.span;
  }

  get classification(): CloseClassification | undefined {
    const record = this.#record;
    return record.classification ?? verdictOf(record.cause, undefined);
  }

  interrupted(meta?: InterruptMeta): void {
    const record = this.#record;
    record.owner.interrupt(record, meta);
  }

  recordError(error: unknown): void {
    const record = this.#record;
    if (!record.ended) record.errorFingerprint = errorFingerprint(error);
  }

  end(options?: RunEndOptions): void {
    const record = this.#record;
    record.owner.finish(record, options);
  }
}
