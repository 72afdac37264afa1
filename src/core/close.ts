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

/** One run's close: everything every output says about it. Also the hook's `RunCloseInfo`. */
export interface Close extends RunCloseInfo {
  readonly outcome: RecordedOutcome;
  readonly errorFingerprint: string | undefined;
  /** No action explains an interrupt: `missing_provenance` names what is missing. */
  readonly unexplained: boolean;
  /** Wall-clock ms of the end; the run's duration (when its start was timed) and the stop's, in ms. */
  readonly atMs: number;
  readonly runMs: number | undefined;
  readonly stopMs: number | undefined;
}

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
 * The close of `run` from its settled cause and outcome, at `now` (performance time). `expired`:
 * the package ended a run the host did not.
 */
export function closeOf(
  run: RunRecord,
  cause: Cause | undefined,
  outcome: RecordedOutcome,
  expired: boolean,
  now: number,
): Close {
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
    atMs: TIME_ORIGIN + now,
    runMs: run.startedAt === undefined ? undefined : now - run.startedAt,
    stopMs: run.interruptedAt === undefined ? undefined : now - run.interruptedAt,
  };
}

/** The close's attributes, as the run span and the `run closed` child both carry them. */
export function closeAttributes(close: Close): Attributes {
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
