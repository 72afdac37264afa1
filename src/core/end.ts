// The end of a run: its outcome read once from the host's end options, its cause settled
// (core/attribution.ts), one `Close` built (core/close.ts), and that close written once to every
// output: the run span, the `run closed` child, the hook, the metrics and the snapshot. A run that
// simply completed has its close built only for the outputs that take one (`writeCompleted`).
import type { Attributes, Span } from '@opentelemetry/api';
import { guarded, reportFailure } from '../guard.js';
import { readProperty } from '../host-input.js';
import { logger } from '../log.js';
import { isInterruptError } from '../reasons.js';
import { errorFingerprint } from '../redact.js';
import { ATTR_LINK_RELATION, LINK_RELATION_CLOSED_BY } from '../semconv.js';
import type { CloseClassification, RecordedOutcome, RunCloseInfo, RunEndOptions } from '../types.js';
import { causeAtEnd, interrupt } from './attribution.js';
import { isErrorClassification, isRunOutcome, statusOf } from './classification.js';
import {
  closeAttributes,
  closeOf,
  COMPLETED_ATTRIBUTES,
  completedClose,
  SUCCESS,
  timeClose,
  type Close,
} from './close.js';
import { openAction, type Core } from './parts.js';
import { closesHeard, publishClose } from './publish.js';
import type { ActionState, Cause, PendingCause, RunRecord } from './records.js';
import { unlisten } from './signals.js';
import type { Settings } from './settings.js';
import type { ExpiryReason } from './watchdog.js';

const CLOSED_BY_LINK: Attributes = Object.freeze({ [ATTR_LINK_RELATION]: LINK_RELATION_CLOSED_BY });

/**
 * Ends `run` once. A host listener that ends the run inside `abort()` runs before the package's:
 * that interrupt is recorded now, still in the aborting context. `expired` when the watchdog ends
 * a run the host did not.
 */
export function finish(core: Core, run: RunRecord, options: RunEndOptions | undefined, expired?: ExpiryReason): void {
  if (run.ended) return;
  const signal = run.hostSignal;
  const end = readEndOptions(options);
  if (expired === undefined && run.interruptedAt === undefined && run.recording) {
    if (signal !== undefined && readProperty(signal, 'aborted') === true) interrupt(core, run, undefined);
    else if (end !== NO_END_OPTIONS && reportsInterrupt(end, signal)) {
      // An interrupt reported only at the end (a fiber interrupted before the finalizer that
      // closes its scope ran): attributed now, by the same rules.
      interrupt(core, run, undefined);
    } else if (run.listening !== undefined && openAction(core) !== undefined) {
      // Ended inside an abort listener of a signal this run's signal follows (`AbortSignal.any`):
      // the run's own signal aborts right after, in the same context. Finish once that has had
      // its turn, so the close still has its cause.
      if (run.endDeferred) return;
      run.endDeferred = true;
      queueMicrotask(() => complete(core, run, end, expired));
      return;
    }
  }
  complete(core, run, end, expired);
}

function complete(core: Core, run: RunRecord, end: EndOptions, expired: ExpiryReason | undefined): void {
  if (run.ended) return;
  run.ended = true;
  if (run.listening !== undefined) unlisten(run, run.listening, run.hostSignal!);
  core.registry.removeRun(run);
  core.watchdog.ended(run);
  if (!run.recording) return;
  try {
    if (expired === undefined && simplyCompleted(run, end)) writeCompleted(core, run);
    else writeClose(core, run, settle(core, run, end, expired));
  } catch (error) {
    reportFailure('recording the end of a run', error);
  }
}

/** The host's end options, read once (a getter that throws reads as absent). */
interface EndOptions {
  readonly outcome: unknown;
  readonly error: unknown;
  readonly closedBy: unknown;
}
const NO_END_OPTIONS: EndOptions = Object.freeze({ outcome: undefined, error: undefined, closedBy: undefined });

/** `{ outcome }` alone, the common end: one shared object per outcome. */
const OUTCOME_ONLY = new Map<unknown, EndOptions>(
  (['completed', 'error', 'user_cancel', 'interrupted'] as const).map((outcome) => [
    outcome,
    Object.freeze({ outcome, error: undefined, closedBy: undefined }),
  ]),
);

const COMPLETED_END = OUTCOME_ONLY.get('completed')!;

function readEndOptions(options: unknown): EndOptions {
  if (typeof options !== 'object' || options === null) return NO_END_OPTIONS;
  try {
    const { outcome, error, closedBy } = options as RunEndOptions;
    if (error === undefined && closedBy === undefined) {
      const shared = OUTCOME_ONLY.get(outcome);
      if (shared !== undefined) return shared;
    }
    return { outcome, error, closedBy };
  } catch {
    // One getter threw: read the others alone.
    return {
      outcome: readProperty(options, 'outcome'),
      error: readProperty(options, 'error'),
      closedBy: readProperty(options, 'closedBy'),
    };
  }
}

/** The end says the run was interrupted: its outcome, or an interrupt-shaped error. */
function reportsInterrupt(end: EndOptions, signal: AbortSignal | undefined): boolean {
  return end.outcome === 'interrupted' || isInterruptError(end.error, signal);
}

function outcomeOf(run: RunRecord, end: EndOptions, expired: ExpiryReason | undefined): RecordedOutcome {
  if (end.error !== undefined) run.errorFingerprint = errorFingerprint(end.error);
  if (expired !== undefined) return 'abandoned';
  if (end.outcome === undefined) {
    if (run.errorFingerprint === undefined) return 'completed';
    return isInterruptError(end.error, run.hostSignal) ? 'interrupted' : 'error';
  }
  if (isRunOutcome(end.outcome)) return end.outcome;
  logger.warn('run.end: outcome must be completed, error, user_cancel or interrupted; recorded as error');
  return 'error';
}

/** The run's close: its outcome and its cause settled (its times are read once the span has ended). */
function settle(core: Core, run: RunRecord, end: EndOptions, expired: ExpiryReason | undefined): Close {
  const outcome = outcomeOf(run, end, expired);
  const cause = causeAtEnd(core, run, outcome, end.closedBy);
  run.cause = cause;
  const close = closeOf(run, cause, outcome, expired !== undefined);
  run.classification = close.classification;
  return close;
}

/** Never interrupted, no error, ended `completed` or with no outcome: the end of most runs. */
function simplyCompleted(run: RunRecord, end: EndOptions): boolean {
  return (
    (end === COMPLETED_END || end === NO_END_OPTIONS) && run.cause === undefined && run.errorFingerprint === undefined
  );
}

/**
 * Writes `close` to every output: run span, closed-run span, hook, metrics, snapshot. What most
 * runs skip (a back link, the hook, a child) is in functions of its own, so this stays small
 * enough for the JIT to take whole into the end of a run.
 */
function writeClose(core: Core, run: RunRecord, close: Close): void {
  const action = actionOf(run.cause);
  const attributes = closeAttributes(close, action);
  const { span } = run;
  if (span.isRecording()) {
    writeTo(span, attributes, close.classification);
    if (action !== undefined) linkBack(span, action);
    const hook = core.settings.runCloseHook;
    if (hook !== undefined) callHook(hook, span, close);
  }
  if (run.ownsSpan) span.end();
  timeClose(close, run);
  if (run.closedRunSpan !== undefined) endClosedRunSpan(run, attributes, close);
  report(core, close);
}

/**
 * `writeClose` for a run that simply completed: its attributes are the shared ones, and it has no
 * cause to settle, no action, child or error status. Its `Close` is built only for the outputs
 * that take one (the hook, a subscribed channel); the snapshot keeps the run's few varying fields
 * in place, and the counter counts a success. With no hook and no subscriber, the end of such a
 * run allocates nothing of its own.
 */
function writeCompleted(core: Core, run: RunRecord): void {
  run.classification = SUCCESS;
  const { span } = run;
  // Built once for both outputs that take it (neither reads its times nor keeps it).
  let close: Close | undefined;
  if (span.isRecording()) {
    span.setAttributes(COMPLETED_ATTRIBUTES);
    const hook = core.settings.runCloseHook;
    if (hook !== undefined) {
      close = completedClose(run);
      callHook(hook, span, close);
    }
  }
  if (run.ownsSpan) span.end();
  core.snapshot.addCompleted(run);
  core.metrics().runClosed(SUCCESS, undefined);
  if (closesHeard()) publishClose(close ?? completedClose(run));
}

/** The outputs that read the close alone: the counter, the snapshot, the channel. */
function report(core: Core, close: Close): void {
  core.metrics().runClosed(close.classification, close.kind);
  core.snapshot.add(close);
  publishClose(close);
}

/** The run span's link back to the action that closed it: one frozen link per action, not one per run. */
function linkBack(span: Span, action: ActionState): void {
  if (typeof span.addLink !== 'function') return;
  action.closedByLink ??= Object.freeze({ context: action.spanContext, attributes: CLOSED_BY_LINK });
  span.addLink(action.closedByLink);
}

function callHook(hook: NonNullable<Settings['runCloseHook']>, span: Span, close: Close): void {
  guarded('runCloseHook', () => hook(span, infoOf(close)), undefined);
}

/** The `run closed` child gets the same close, and ends on the clock it started on. */
function endClosedRunSpan(run: RunRecord, attributes: Attributes, close: Close): void {
  const child = run.closedRunSpan!;
  run.closedRunSpan = undefined;
  writeTo(child, attributes, close.classification);
  child.end(run.closedRunSpanDated ? close.atMs : undefined);
}

/** The hook's read-only view of a close: the `RunCloseInfo` fields only. */
function infoOf(close: Close): RunCloseInfo {
  const { runId, sessionId, scopeKey, classification, summaryKey, provenance, actionId, kind, late } = close;
  return Object.freeze({ runId, sessionId, scopeKey, classification, summaryKey, provenance, actionId, kind, late });
}

function writeTo(span: Span, attributes: Attributes, classification: CloseClassification): void {
  span.setAttributes(attributes);
  if (isErrorClassification(classification)) span.setStatus(statusOf(classification));
}

function actionOf(cause: Cause | PendingCause | undefined): ActionState | undefined {
  return cause?.by === 'action' ? cause.action : undefined;
}
