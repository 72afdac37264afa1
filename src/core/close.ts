// Phase two of a close, at the end: one `Close` value per run, built in one place (`closeOf`), and
// written once to every output (`writeClose`): the run span, the closed-run span, the hook, the
// metrics and the snapshot. The classification of a run is decided here and nowhere else.
import { SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { guarded } from '../guard.js';
import { readOption, readProperty } from '../host-input.js';
import { logger } from '../log.js';
import { errorFingerprint } from '../redact.js';
import {
  ATTR_ACTION_ID,
  ATTR_CLOSE_CLASSIFICATION,
  ATTR_CLOSE_LATE,
  ATTR_CLOSE_MISSING_PROVENANCE,
  ATTR_CLOSE_PROVENANCE,
  ATTR_CLOSE_SUMMARY_KEY,
  ATTR_ERROR_TYPE,
  ATTR_LIFECYCLE_KIND,
  ATTR_LINK_RELATION,
  ATTR_RUN_ERROR_FINGERPRINT,
  ATTR_RUN_OUTCOME,
  LINK_RELATION_CLOSED_BY,
  MISSING_PROVENANCE_CLOSE_REQUESTED,
  UNKNOWN_KIND,
} from '../semconv.js';
import type { CloseClassification, RecordedOutcome, RunCloseInfo, RunEndOptions } from '../types.js';
import { commit, interrupt, namedAction } from './attribution.js';
import {
  classificationForOutcome,
  isErrorClassification,
  isRunOutcome,
  statusOf,
  summaryKeyOf,
  type SummaryDetail,
} from './classification.js';
import { unlisten } from './signals.js';
import type { Core, TrackedRun } from './state.js';
import type { ExpiryReason } from './watchdog.js';

const CLOSED_BY_LINK: Attributes = Object.freeze({ [ATTR_LINK_RELATION]: LINK_RELATION_CLOSED_BY });
/** Read once: the getter is slow, and the wall time of a close is origin + monotonic now. */
const TIME_ORIGIN = performance.timeOrigin;

/** One run's close: everything every output says about it. Also the hook's `RunCloseInfo`. */
export interface Close extends RunCloseInfo {
  readonly outcome: RecordedOutcome;
  readonly errorFingerprint: string | undefined;
  /** Wall-clock ms of the end, and the run's and the stop's durations in ms. */
  readonly atMs: number;
  readonly runMs: number;
  readonly stopMs: number | undefined;
  readonly detail: SummaryDetail | undefined;
}

/**
 * Ends `run` once. A host listener that ends the run inside `abort()` runs before the package's:
 * that interrupt is attributed now, still in the aborting context. `expired` when the watchdog
 * ends a run the host did not.
 */
export function finish(core: Core, run: TrackedRun, options: RunEndOptions | undefined, expired?: ExpiryReason): void {
  if (run.ended) return;
  const signal = run.hostSignal;
  if (expired === undefined && run.interruptedAt === undefined && signal !== undefined) {
    if (readProperty(signal, 'aborted') === true) interrupt(core, run, undefined);
    else if (run.recording && run.listening && openContextAction(core)) {
      // Ended inside an abort listener of a signal this run's signal follows (`AbortSignal.any`):
      // the run's own signal aborts right after, in the same context. Finish once that has had
      // its turn, so the close still has its cause.
      if (run.endDeferred) return;
      run.endDeferred = true;
      queueMicrotask(() => complete(core, run, options, expired));
      return;
    }
  }
  complete(core, run, options, expired);
}

function openContextAction(core: Core): boolean {
  const active = core.current.getStore();
  return active !== undefined && !active.ended;
}

function complete(core: Core, run: TrackedRun, options: RunEndOptions | undefined, expired?: ExpiryReason): void {
  if (run.ended) return;
  run.ended = true;
  if (run.listening) unlisten(run, run.hostSignal!);
  core.registry.removeRun(run);
  core.watchdog.ended(run);
  if (!run.recording) return;
  guarded('recording the end of a run', () => writeClose(core, run, closeOf(core, run, options, expired)), undefined);
}

function outcomeOf(
  run: TrackedRun,
  options: RunEndOptions | undefined,
  expired: ExpiryReason | undefined,
): RecordedOutcome {
  const rawOutcome = readOption(options, 'outcome');
  const error = readOption(options, 'error');
  if (error !== undefined) run.errorSeen = errorFingerprint(error);
  if (expired !== undefined) return 'abandoned';
  if (rawOutcome === undefined) return run.errorSeen === undefined ? 'completed' : 'error';
  if (isRunOutcome(rawOutcome)) return rawOutcome;
  logger.warn('run.end: outcome must be completed, error or user_cancel; recorded as error');
  return 'error';
}

/** The close of `run`, from what the interrupt decided and what the host says at the end. */
export function closeOf(
  core: Core,
  run: TrackedRun,
  options: RunEndOptions | undefined,
  expired?: ExpiryReason,
): Close {
  const outcome = outcomeOf(run, options, expired);
  const late = run.lateCandidate;
  const named = run.closer === undefined ? namedAction(core, readOption(options, 'closedBy')) : undefined;
  const at = run.interruptedAt === undefined ? undefined : TIME_ORIGIN + run.interruptedAt;
  if (named !== undefined) commit(core, run, named, 'explicit', at);
  // A recent action explains the interrupt unless the host says it was the user's cancel.
  else if (late !== undefined && run.closer === undefined && outcome !== 'user_cancel') {
    commit(core, run, late, 'scope_registry', at);
  }
  const action = run.closer;
  let classification: CloseClassification;
  if (action !== undefined) classification = action.classification;
  else if (run.hostWord !== undefined) classification = run.hostWord;
  else if (run.interruptedAt !== undefined)
    classification = outcome === 'user_cancel' ? 'user_cancel' : 'unknown_scope_close';
  else classification = outcome === 'abandoned' ? 'abandoned' : classificationForOutcome(outcome);
  run.final = classification;
  const kind = action?.kind ?? run.hostKind;
  let detail: SummaryDetail | undefined;
  if (expired !== undefined && run.interruptedAt !== undefined) detail = 'end_not_observed';
  else if (kind === UNKNOWN_KIND) detail = 'undeclared_kind';
  const now = core.snapshot.keepsCloses ? performance.now() : 0;
  return {
    runId: run.runId,
    sessionId: run.sessionId,
    scopeKey: run.scopeKey,
    classification,
    summaryKey: summaryKeyOf(classification, detail),
    provenance: run.provenance,
    actionId: action?.id,
    kind,
    late: run.late,
    outcome,
    errorFingerprint: run.errorSeen,
    atMs: TIME_ORIGIN + now,
    runMs: now - run.startedAt,
    stopMs: run.interruptedAt === undefined ? undefined : now - run.interruptedAt,
    detail,
  };
}

/** The hook's read-only view of a close: the `RunCloseInfo` fields only. */
function infoOf(close: Close): RunCloseInfo {
  const { runId, sessionId, scopeKey, classification, summaryKey, provenance, actionId, kind, late } = close;
  return { runId, sessionId, scopeKey, classification, summaryKey, provenance, actionId, kind, late };
}

/** Writes `close` to every output: run span, closed-run span, hook, metrics, snapshot. */
export function writeClose(core: Core, run: TrackedRun, close: Close): void {
  const { span } = run;
  const action = run.closer;
  if (span.isRecording()) {
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
    if (close.classification === 'unknown_scope_close' && action === undefined) {
      attributes[ATTR_CLOSE_MISSING_PROVENANCE] = [MISSING_PROVENANCE_CLOSE_REQUESTED];
    }
    if (isErrorClassification(close.classification)) attributes[ATTR_ERROR_TYPE] = close.classification;
    span.setAttributes(attributes);
    const status = statusOf(close.classification);
    if (status.code !== SpanStatusCode.UNSET) span.setStatus(status);
    if (action !== undefined && typeof span.addLink === 'function') {
      span.addLink({ context: action.spanContext, attributes: CLOSED_BY_LINK });
    }
    const hook = core.settings.runCloseHook;
    if (hook !== undefined) guarded('runCloseHook', () => hook(span, infoOf(close)), undefined);
  }
  if (run.ownsSpan) span.end();
  const closedRunSpan = run.closedRunSpan;
  if (closedRunSpan !== undefined) {
    closedRunSpan.setAttributes({ [ATTR_RUN_OUTCOME]: close.outcome, [ATTR_CLOSE_SUMMARY_KEY]: close.summaryKey });
    closedRunSpan.end();
    run.closedRunSpan = undefined;
  }
  run.closer = undefined;
  core.metrics().runClosed(close.classification, close.kind);
  core.snapshot.add(close);
}
