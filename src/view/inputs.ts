// The files a view is made of: OTLP/JSON trace data (an OTLP/HTTP request body, an array of them,
// the collector file exporter's JSON lines) and the package's diagnostics snapshot
// (`lifecycle.snapshot()` written as JSON), one file or many, read into one set of data.
import { readOption } from '../host-input.js';
import type { SnapshotCloseLike, SnapshotLike } from '../snapshot-format.js';
import { jsonDocuments, spansFromOtlpJson, type ReadableSpanLike, type TreeSpan } from './otlp-json.js';

/** What a lifecycle view is made of: spans, and optionally diagnostics snapshots. */
export interface LifecycleData {
  readonly spans: ReadonlyArray<TreeSpan | ReadableSpanLike>;
  readonly snapshots?: ReadonlyArray<SnapshotLike>;
}

/** One input file: a name to report problems under, and its text. */
export interface LifecycleFile {
  readonly name: string;
  readonly text: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;

function isSnapshotDocument(document: unknown): boolean {
  return (
    typeof readOption(document, 'schema_version') === 'number' && Array.isArray(readOption(document, 'recent_closes'))
  );
}

/** A close with the fields a view needs, or `undefined` for an entry that is not one. */
function snapshotClose(entry: unknown): SnapshotCloseLike | undefined {
  const runId = text(readOption(entry, 'run_id'));
  const classification = text(readOption(entry, 'classification'));
  if (runId === undefined || classification === undefined) return undefined;
  const close: Record<string, string | number> = {
    run_id: runId,
    scope_key: text(readOption(entry, 'scope_key')) ?? '',
    classification,
    summary_key: text(readOption(entry, 'summary_key')) ?? '',
  };
  for (const name of ['at', 'session_id', 'outcome', 'provenance', 'action_id', 'kind']) {
    const value = text(readOption(entry, name));
    if (value !== undefined) close[name] = value;
  }
  for (const name of ['run_duration_ms', 'stop_duration_ms']) {
    const value = count(readOption(entry, name));
    if (value !== undefined) close[name] = value;
  }
  return close as unknown as SnapshotCloseLike;
}

/** A snapshot with only the fields and closes a view can use (a guarded read of anything handed in). */
export function readSnapshot(document: unknown): SnapshotLike {
  const recent = readOption(document, 'recent_closes');
  const closes = (Array.isArray(recent) ? recent : []).map(snapshotClose);
  const totals = readOption(document, 'closes_by_classification');
  const byClassification: Record<string, number> = {};
  if (typeof totals === 'object' && totals !== null) {
    for (const [name, value] of Object.entries(totals)) {
      const n = count(value);
      if (n !== undefined) byClassification[name] = n;
    }
  }
  const takenAt = text(readOption(document, 'taken_at'));
  return {
    schema_version: count(readOption(document, 'schema_version')) ?? 0,
    ...(takenAt === undefined ? {} : { taken_at: takenAt }),
    recent_closes: closes.filter((c): c is SnapshotCloseLike => c !== undefined),
    closes_by_classification: byClassification,
  };
}

/**
 * Reads the text of one or more files (OTLP/JSON trace data in any of its file shapes, or a
 * diagnostics snapshot) into one set of data. A span found in several files is kept once.
 * Throws a `SyntaxError` with a one-line message that names the file for anything else.
 */
export function lifecycleDataFromFiles(files: ReadonlyArray<LifecycleFile>): {
  spans: TreeSpan[];
  snapshots: SnapshotLike[];
} {
  const spans: TreeSpan[] = [];
  const snapshots: SnapshotLike[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    let documents: unknown[];
    try {
      documents = jsonDocuments(file.text);
    } catch (error) {
      throw new SyntaxError(`${file.name} is not OTLP/JSON trace data (${(error as Error).message})`);
    }
    const traces: unknown[] = [];
    for (const document of documents) {
      if (isSnapshotDocument(document)) snapshots.push(readSnapshot(document));
      else if (Array.isArray(readOption(document, 'resourceSpans'))) traces.push(document);
      else throw new SyntaxError(`${file.name} is not OTLP/JSON trace data (no resourceSpans) nor a snapshot`);
    }
    for (const span of spansFromOtlpJson(traces)) {
      const id = `${span.traceId}/${span.spanId}`;
      if (seen.has(id)) continue;
      seen.add(id);
      spans.push(span);
    }
  }
  return { spans, snapshots };
}
