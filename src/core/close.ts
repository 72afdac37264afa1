// A run's close as one value: what its cause and outcome mean (`verdictOf`, the one place a run is
// classified), the `Close` built from them (`closeOf`), and the attributes every span that reports
// the close carries (`closeAttributes`). Pure: no spans are touched here (core/end.ts writes them).
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ACTION_ID,
  ATTR_CLOSE_CLASSIFICATION,
  ATTR_CLOSE_LATE,
  ATTR_CLOSE_MISSING_PROVENANCE,
  ATTR_CLOSE_PROVENANCE,
  ATTR_CLOSE_SUMMARY_KEY,
  ATTR_ERROR_TYPE,
  ATTR_LIFECYCLE_KIND,
  ATTR_RUN_ERROR_FINGERPRINT,
  ATTR_RUN_OUTCOME,
  MISSING_PROVENANCE_CLOSE_REQUESTED,
  UNKNOWN_KIND,
} from '../semconv.js';
import type { CloseClassification, ProvenanceSource, RecordedOutcome, RunCloseInfo } from '../types.js';
import {
  classificationForKind,
  classificationForOutcome,
  isErrorClassification,
  summaryKeyOf,
  type SummaryDetail,
} from './classification.js';
import type { ActionState, Cause, PendingCause, RunRecord } from './records.js';

/** Read once: the getter is slow, and a wall time here is origin + monotonic now. */
export const TIME_ORIGIN = performance.timeOrigin;

/**
 * A close's times: wall-clock ms of the end; the run's duration and the stop's, in ms, `NaN` when
 * nothing timed them (numbers either way: the runtime keeps them in place, with no box per write).
 * Filled in by `timeClose` once the run span has ended.
 */
export interface CloseTimes {
  atMs: number;
  runMs: number;
  stopMs: number;
}

/** One run's close: everything every output says about it. Also the hook's `RunCloseInfo`. */
export interface Close extends RunCloseInfo, CloseTimes {
  readonly outcome: RecordedOutcome;
  readonly errorFingerprint: string | undefined;
  /** No action explains an interrupt: `missing_provenance` names what is missing. */
  readonly unexplained: boolean;
}

/** What tells one run's close from another's when the run simply completed. */
export type CompletedRun = Pick<RunRecord, 'runId' | 'sessionId' | 'scopeKey'>;

/**
 * The classification a cause gives: `outcome` is how the run ended, or `undefined` while it runs
 * (then only a cause decided at the interrupt classifies it).
 */
export function verdictOf(
  cause: Cause | PendingCause | undefined,
  outcome: RecordedOutcome | undefined,
): CloseClassification | undefined {
  switch (cause?.by) {
    case 'action':
      return cause.action.classification;
    case 'user_cancel':
      return 'user_cancel';
    case 'reason':
      return classificationForKind(cause.kind);
    case 'unexplained':
      return 'unknown_scope_close';
    case 'pending':
      return undefined;
    default:
      if (outcome === undefined) return undefined;
      return outcome === 'abandoned' ? 'abandoned' : classificationForOutcome(outcome);
  }
}

function kindOf(cause: Cause | undefined): string | undefined {
  if (cause?.by === 'action') return cause.action.kind;
  return cause?.by === 'reason' ? cause.kind : undefined;
}

/**
 * The close of `run` from its settled cause and outcome (its times come later: `timeClose`).
 * `expired`: the package ended a run the host did not.
 */
export function closeOf(run: RunRecord, cause: Cause | undefined, outcome: RecordedOutcome, expired: boolean): Close {
  const classification = verdictOf(cause, outcome)!;
  const action: ActionState | undefined = cause?.by === 'action' ? cause.action : undefined;
  const kind = kindOf(cause);
  let detail: SummaryDetail | undefined;
  if (expired && cause !== undefined) detail = 'end_not_observed';
  else if (kind === UNKNOWN_KIND) detail = 'undeclared_kind';
  let provenance: ProvenanceSource | undefined;
  if (cause !== undefined) provenance = cause.by === 'action' ? cause.provenance : 'none';
  return {
    runId: run.runId,
    sessionId: run.sessionId,
    scopeKey: run.scopeKey,
    classification,
    summaryKey: summaryKeyOf(classification, detail),
    provenance,
    actionId: action?.id,
    kind,
    late: cause?.by === 'action' && cause.late,
    outcome,
    errorFingerprint: run.errorFingerprint,
    unexplained: classification === 'unknown_scope_close' && action === undefined,
    atMs: 0,
    runMs: Number.NaN,
    stopMs: Number.NaN,
  };
}

export const SUCCESS = classificationForOutcome('completed');
const SUCCESS_SUMMARY_KEY = summaryKeyOf(SUCCESS, undefined);

/**
 * The close of a run that simply completed: never interrupted, no error, ended `completed` or with
 * no outcome. It is `closeOf(run, undefined, 'completed', false)` (a test holds the two equal),
 * without the decisions such a close never needs: most runs end this way.
 */
export function completedClose(run: CompletedRun): Close {
  return {
    runId: run.runId,
    sessionId: run.sessionId,
    scopeKey: run.scopeKey,
    classification: SUCCESS,
    summaryKey: SUCCESS_SUMMARY_KEY,
    provenance: undefined,
    actionId: undefined,
    kind: undefined,
    late: false,
    outcome: 'completed',
    errorFingerprint: undefined,
    unexplained: false,
    atMs: 0,
    runMs: Number.NaN,
    stopMs: Number.NaN,
  };
}

/** An SDK span's start or end time (`[seconds, nanoseconds]`, not zero); other spans have none, or none yet. */
function isSpanTime(time: unknown): time is [number, number] {
  if (!Array.isArray(time)) return false;
  const seconds: unknown = time[0];
  const nanos: unknown = time[1];
  return typeof seconds === 'number' && typeof nanos === 'number' && (seconds !== 0 || nanos !== 0);
}

/** A span time in ms since the epoch. */
function msOf(time: unknown): number | undefined {
  return isSpanTime(time) ? time[0] * 1e3 + time[1] / 1e6 : undefined;
}

/** `true` when the SDK records the span's start time (the run's start then needs no clock read). */
export function timesItself(span: object): boolean {
  return isSpanTime((span as { startTime?: unknown }).startTime);
}

/**
 * The close's times, once the run span has ended. A run that was never interrupted takes them
 * from its span when the SDK recorded them (the span's end, and its duration): no clock read of
 * the package's. Otherwise one reading of the monotonic clock, the one interrupts are timed on.
 */
export function timeClose(times: CloseTimes, run: RunRecord): void {
  const span = run.span as { startTime?: unknown; endTime?: unknown };
  const endMs = msOf(span.endTime);
  const startMs = endMs === undefined || run.startedAt !== undefined ? undefined : msOf(span.startTime);
  if (startMs !== undefined && run.interruptedAt === undefined) {
    times.atMs = endMs!;
    times.runMs = endMs! - startMs;
    times.stopMs = Number.NaN;
    return;
  }
  const now = performance.now();
  times.atMs = TIME_ORIGIN + now;
  if (run.startedAt !== undefined) times.runMs = now - run.startedAt;
  else times.runMs = startMs !== undefined ? endMs! - startMs : Number.NaN;
  times.stopMs = run.interruptedAt !== undefined ? now - run.interruptedAt : Number.NaN;
}

/** A run that simply completed: the same attributes every time. */
export const COMPLETED_ATTRIBUTES: Attributes = Object.freeze({
  [ATTR_CLOSE_CLASSIFICATION]: SUCCESS,
  [ATTR_CLOSE_SUMMARY_KEY]: SUCCESS_SUMMARY_KEY,
  [ATTR_RUN_OUTCOME]: 'completed',
});

/**
 * The close's attributes, as the run span and the `run closed` child both carry them. A run that
 * simply completed gets the one shared object; the closes of one action share one object per run
 * of equal closes (a fan-out builds one, not one per run).
 */
export function closeAttributes(close: Close, action: ActionState | undefined): Attributes {
  if (close.classification === 'success' && close.provenance === undefined && close.errorFingerprint === undefined)
    return COMPLETED_ATTRIBUTES;
  if (action === undefined) return attributesOf(close);
  const last = action.lastClose;
  if (
    last !== undefined &&
    last.outcome === close.outcome &&
    last.provenance === close.provenance &&
    last.late === close.late &&
    last.errorFingerprint === close.errorFingerprint &&
    last.summaryKey === close.summaryKey
  )
    return last.attributes;
  const attributes = Object.freeze(attributesOf(close));
  const { outcome, provenance, late, errorFingerprint, summaryKey } = close;
  action.lastClose = { outcome, provenance, late, errorFingerprint, summaryKey, attributes };
  return attributes;
}

function attributesOf(close: Close): Attributes {
  const attributes: Attributes = {
    [ATTR_CLOSE_CLASSIFICATION]: close.classification,
    [ATTR_CLOSE_SUMMARY_KEY]: close.summaryKey,
    [ATTR_RUN_OUTCOME]: close.outcome,
  };
  if (close.provenance !== undefined) attributes[ATTR_CLOSE_PROVENANCE] = close.provenance;
  if (close.actionId !== undefined) attributes[ATTR_ACTION_ID] = close.actionId;
  if (close.kind !== undefined) attributes[ATTR_LIFECYCLE_KIND] = close.kind;
  if (close.late) attributes[ATTR_CLOSE_LATE] = true;
  if (close.errorFingerprint !== undefined) attributes[ATTR_RUN_ERROR_FINGERPRINT] = close.errorFingerprint;
  if (close.unexplained) attributes[ATTR_CLOSE_MISSING_PROVENANCE] = [MISSING_PROVENANCE_CLOSE_REQUESTED];
  if (isErrorClassification(close.classification)) attributes[ATTR_ERROR_TYPE] = close.classification;
  return attributes;
}
