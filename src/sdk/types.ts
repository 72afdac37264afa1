// Public types of the set-up entry point that must not pull SDK types into the main entry's declarations.

/** Spans the set-up entry point lost: `startTelemetry()`'s `droppedSpans()`. */
export interface DropTotals {
  /** Spans the batch processor dropped because its queue was full. */
  queueFull: number;
  /** Spans the exporter failed to export (endpoint down, error answers, timeouts). */
  exportFailed: number;
}
