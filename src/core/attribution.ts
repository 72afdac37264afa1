// Phase one of a close, at the interrupt: who closed the run, decided once, in the async context of
// whoever called `abort()`. In this order: an action open in that context; the host's own word that
// this is a user's cancel; the open action registered on the run's scope; the action the host names
// (`closedBy`); a recent action that closed the run's scope (a late report, settled at the end, where
// a user cancel still wins); a lifecycle close the abort reason names; else nothing, and the end
// decides between `user_cancel` and `unknown_scope_close`.
//
// Why context attribution stops at the action's end: an action's async context lives on in every
// timer, promise chain and run it created. A run started during a reload and crashing minutes later
// runs in that context, but the reload did not close it. Only an open action is a cause.
import { SpanKind, type Attributes, type TimeInput } from '@opentelemetry/api';
import { readOption, readProperty } from '../host-input.js';
import { logger } from '../log.js';
import { meaningOf } from '../reasons.js';
import { errorFingerprint } from '../redact.js';
import {
  ATTR_ACTION_ID,
  ATTR_CLOSE_CLASSIFICATION,
  ATTR_CLOSE_LATE,
  ATTR_CLOSE_PROVENANCE,
  ATTR_CLOSE_SUMMARY_KEY,
  ATTR_LIFECYCLE_KIND,
  ATTR_LINK_RELATION,
  ATTR_RUN_ID,
  ATTR_SCOPE_KEY,
  ATTR_SESSION_ID,
  LINK_RELATION_CLOSED_RUN,
  SPAN_NAME_CLOSED_RUN,
  UNKNOWN_KIND,
} from '../semconv.js';
import type { InterruptMeta, ProvenanceSource } from '../types.js';
import { classificationForKind, summaryKeyOf } from './classification.js';
import type { ActionState, Core, TrackedRun } from './state.js';

const CLOSED_RUN_LINK: Attributes = Object.freeze({ [ATTR_LINK_RELATION]: LINK_RELATION_CLOSED_RUN });

/** Attributes the close of `run` now, in the calling async context. The first interrupt wins. */
export function interrupt(core: Core, run: TrackedRun, meta: InterruptMeta | undefined): void {
  if (run.ended || run.interruptedAt !== undefined || !run.recording) return;
  try {
    decide(core, run, meta);
  } catch (error) {
    logger.error(`recording an interrupt failed (${errorFingerprint(error)})`);
  }
}

function decide(core: Core, run: TrackedRun, meta: InterruptMeta | undefined): void {
  run.interruptedAt = performance.now();
  core.watchdog.wasInterrupted(run);
  const active = core.current.getStore();
  if (active !== undefined && !active.ended) {
    commit(core, run, active, 'context');
    return;
  }
  const reason = run.hostSignal === undefined ? undefined : meaningOf(readProperty(run.hostSignal, 'reason'));
  run.provenance = 'none';
  if (readOption(meta, 'userCancel') === true || reason?.userCancel === true) {
    run.hostWord = 'user_cancel';
    return;
  }
  const registered = run.scope?.top();
  if (registered !== undefined) {
    commit(core, run, registered, 'scope_registry');
    return;
  }
  const named = namedAction(core, readOption(meta, 'closedBy'));
  if (named !== undefined) {
    commit(core, run, named, 'explicit');
    return;
  }
  run.lateCandidate = recentCloser(core, run);
  if (reason !== undefined && !reason.userCancel) {
    run.hostKind = core.settings.kinds.has(reason.kind) ? reason.kind : UNKNOWN_KIND;
    run.hostWord = classificationForKind(run.hostKind);
  }
}

/** The open or recently ended action a host names by id; a name that matches none is reported once. */
export function namedAction(core: Core, id: unknown): ActionState | undefined {
  if (id === undefined) return undefined;
  let action = typeof id === 'string' ? (core.openActions.get(id) ?? core.endedActions.get(id)) : undefined;
  if (action?.ended === true && Date.now() - action.endedAt > core.settings.lateCloseWindowMs) action = undefined;
  if (action === undefined) logger.warn('closedBy names no open or recently ended action; ignored');
  return action;
}

/** The action that closed the run's scope within the late window, if the run was there when it did. */
function recentCloser(core: Core, run: TrackedRun): ActionState | undefined {
  const window = core.settings.lateCloseWindowMs;
  const last = run.scope?.lastClose;
  if (window <= 0 || last === undefined) return undefined;
  if (Date.now() - last.endedAtMs > window || run.sequence > last.closedAt) return undefined;
  return last.action;
}

/**
 * Marks `run` as closed by `action`: counted on it while it is open (a late close is counted by the
 * snapshot), with a `run closed` child under it while under the fan-out cap. `startTime` dates a child started later
 * than the interrupt (a late close settled at the end).
 */
export function commit(
  core: Core,
  run: TrackedRun,
  action: ActionState,
  provenance: ProvenanceSource,
  startTime?: TimeInput,
): void {
  const late = action.ended;
  run.closer = action;
  run.provenance = provenance;
  run.late = late;
  run.lateCandidate = undefined;
  if (!late) {
    action.runsInterrupted++;
    action.noteScopeKey(run.scopeKey, core.settings.maxScopeKeysPerAction);
    if (run.scope !== undefined) action.noteClosed(run.scope);
  }
  if (action.closedRunSpans >= core.settings.maxClosedRunSpansPerAction) return;
  action.closedRunSpans++;
  const attributes: Attributes = {
    [ATTR_CLOSE_CLASSIFICATION]: action.classification,
    [ATTR_CLOSE_SUMMARY_KEY]: summaryKeyOf(
      action.classification,
      action.kind === UNKNOWN_KIND ? 'undeclared_kind' : undefined,
    ),
    [ATTR_CLOSE_PROVENANCE]: provenance,
    [ATTR_ACTION_ID]: action.id,
    [ATTR_LIFECYCLE_KIND]: action.kind,
    [ATTR_RUN_ID]: run.runId,
    [ATTR_SCOPE_KEY]: run.scopeKey,
  };
  if (run.sessionId !== undefined) attributes[ATTR_SESSION_ID] = run.sessionId;
  if (late) attributes[ATTR_CLOSE_LATE] = true;
  const runContext = run.spanContext();
  run.closedRunSpan = action.tracer.startSpan(
    SPAN_NAME_CLOSED_RUN,
    {
      kind: SpanKind.INTERNAL,
      attributes,
      links: runContext === undefined ? [] : [{ context: runContext, attributes: CLOSED_RUN_LINK }],
      ...(startTime === undefined ? {} : { startTime }),
    },
    action.context,
  );
}
