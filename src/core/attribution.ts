// Who closed a run: one `Cause`, decided once. At the interrupt, in the async context of whoever
// called `abort()`, in this order: an action open in that context; the host's word that this is a
// user's cancel; the open action registered on the run's scope; the action the host names
// (`closedBy`); else a pending cause that the end settles (`causeAtEnd`): a recent action that
// closed the run's scope (a late report, where a user cancel still wins), a lifecycle kind the
// abort reason names, else a user cancel or an unexplained close, as the host ends the run.
//
// Why context attribution stops at the action's end: an action's async context lives on in every
// timer, promise chain and run it created. A run started during a reload and crashing minutes later
// runs in that context, but the reload did not close it. Only an open action is a cause.
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { reportFailure } from '../guard.js';
import { readOption, readProperty, spanContextOf } from '../host-input.js';
import { logger } from '../log.js';
import { meaningOf } from '../reasons.js';
import {
  ATTR_ACTION_ID,
  ATTR_LINK_RELATION,
  ATTR_RUN_ID,
  ATTR_SCOPE_KEY,
  ATTR_SESSION_ID,
  LINK_RELATION_CLOSED_RUN,
  SPAN_NAME_CLOSED_RUN,
  UNKNOWN_KIND,
} from '../semconv.js';
import type { InterruptMeta, RecordedOutcome } from '../types.js';
import { TIME_ORIGIN } from './close.js';
import { openAction, type Core } from './parts.js';
import type { ActionProvenance, ActionState, Cause, PendingCause, RunRecord } from './records.js';

const CLOSED_RUN_LINK: Attributes = Object.freeze({ [ATTR_LINK_RELATION]: LINK_RELATION_CLOSED_RUN });
const USER_CANCEL: Cause = Object.freeze({ by: 'user_cancel' });
const UNEXPLAINED: Cause = Object.freeze({ by: 'unexplained' });
const NOTHING_PENDING: PendingCause = Object.freeze({ by: 'pending', recent: undefined, reasonKind: undefined });

/** Records the interrupt of `run` now, in the calling async context. The first interrupt wins. */
export function interrupt(core: Core, run: RunRecord, meta: InterruptMeta | undefined): void {
  if (run.ended || run.interruptedAt !== undefined || !run.recording) return;
  run.interruptedAt = performance.now();
  core.watchdog.wasInterrupted(run);
  try {
    run.cause = causeAtInterrupt(core, run, meta);
  } catch (error) {
    // Caught inline, not through `guarded`: a dispose-all interrupts every run, and needs no closure each.
    reportFailure('recording an interrupt', error);
    run.cause = NOTHING_PENDING;
  }
}

function causeAtInterrupt(core: Core, run: RunRecord, meta: InterruptMeta | undefined): Cause | PendingCause {
  const active = openAction(core);
  if (active !== undefined) return commit(core, run, active, 'context');
  const reason = run.hostSignal === undefined ? undefined : meaningOf(readProperty(run.hostSignal, 'reason'));
  if (readOption(meta, 'userCancel') === true || reason?.userCancel === true) return USER_CANCEL;
  const registered = registeredCloser(run);
  if (registered !== undefined) return commit(core, run, registered, 'scope_registry');
  const named = namedAction(core, readOption(meta, 'closedBy'));
  if (named !== undefined) return commit(core, run, named, 'explicit');
  const recent = recentCloser(core, run);
  let reasonKind: string | undefined;
  if (reason !== undefined && !reason.userCancel) {
    reasonKind = core.settings.kinds.has(reason.kind) ? reason.kind : UNKNOWN_KIND;
  }
  return recent === undefined && reasonKind === undefined ? NOTHING_PENDING : { by: 'pending', recent, reasonKind };
}

/**
 * The settled cause of `run` as the host ends it with `outcome`: what the interrupt decided, the
 * action the host names now (`closedBy`), or what the end settles of a pending interrupt. A run
 * never interrupted and named by nobody has no cause: its outcome speaks for it.
 */
export function causeAtEnd(core: Core, run: RunRecord, outcome: RecordedOutcome, closedBy: unknown): Cause | undefined {
  const cause = run.cause;
  if (cause?.by === 'action') return cause;
  const at = run.interruptedAt;
  const named = closedBy === undefined ? undefined : namedAction(core, closedBy);
  if (named !== undefined) return commit(core, run, named, 'explicit', at);
  if (cause === undefined || cause.by !== 'pending') return cause;
  if (cause.recent !== undefined && outcome !== 'user_cancel') {
    return commit(core, run, cause.recent, 'scope_registry', at);
  }
  if (cause.reasonKind !== undefined) return { by: 'reason', kind: cause.reasonKind };
  return outcome === 'user_cancel' ? USER_CANCEL : UNEXPLAINED;
}

/** The open or recently ended action a host names by id; a name that matches none is reported once. */
export function namedAction(core: Core, id: unknown): ActionState | undefined {
  if (id === undefined) return undefined;
  let action = typeof id === 'string' ? (core.openActions.get(id) ?? core.endedActions.get(id)) : undefined;
  if (action?.ended === true && Date.now() - action.endedAt > core.settings.lateCloseWindowMs) action = undefined;
  if (action === undefined) logger.warn('closedBy names no open or recently ended action; ignored');
  return action;
}

/**
 * The open action registered on the run's scope that targeted it while the run was there: a run
 * started in a scope after an action registered on it (the new instance of a reload still
 * finishing) is not that action's to explain. Of two such actions, the later registered one.
 */
function registeredCloser(run: RunRecord): ActionState | undefined {
  const scope = run.scope;
  return scope?.top((action) => (action.closed.get(scope) ?? Number.POSITIVE_INFINITY) > run.sequence);
}

/** The action that closed the run's scope within the late window, if the run was there when it did. */
function recentCloser(core: Core, run: RunRecord): ActionState | undefined {
  const window = core.settings.lateCloseWindowMs;
  const last = run.scope?.lastClose;
  if (window <= 0 || last === undefined) return undefined;
  if (Date.now() - last.endedAtMs > window || run.sequence > last.closedAt) return undefined;
  return last.action;
}

/**
 * `run` was closed by `action`: counted on it while it is open (a late close is counted by the
 * snapshot), with a `run closed` child under it while under the fan-out cap. The child starts with
 * the run's identity and the action id (what a sampler reads); the end writes the close on it.
 * `interruptedAt` dates a child started after the interrupt (a close settled at the end).
 * Under an action span its sampler dropped, no child is started (the cap still counts the run): a
 * parent-based, trace-id ratio or always-off sampler drops the child too, and one that kept it
 * would export a child whose parent is missing. The close is still on the run's own span.
 */
function commit(
  core: Core,
  run: RunRecord,
  action: ActionState,
  provenance: ActionProvenance,
  interruptedAt?: number,
): Cause {
  const late = action.ended;
  if (!late) {
    action.runsInterrupted++;
    action.noteScopeKey(run.scopeKey, core.settings.maxScopeKeysPerAction);
    if (run.scope !== undefined) action.noteClosed(run.scope);
  }
  if (action.closedRunSpans < core.settings.maxClosedRunSpansPerAction) {
    action.closedRunSpans++;
    if (action.recording) startClosedRunSpan(run, action, interruptedAt);
  }
  return action.causeOf(provenance, late);
}

function startClosedRunSpan(run: RunRecord, action: ActionState, interruptedAt: number | undefined): void {
  const attributes: Attributes = {
    [ATTR_ACTION_ID]: action.id,
    [ATTR_RUN_ID]: run.runId,
    [ATTR_SCOPE_KEY]: run.scopeKey,
  };
  if (run.sessionId !== undefined) attributes[ATTR_SESSION_ID] = run.sessionId;
  const runContext = spanContextOf(run.span);
  const dated = interruptedAt !== undefined;
  run.closedRunSpanDated = dated;
  run.closedRunSpan = action.tracer.startSpan(
    SPAN_NAME_CLOSED_RUN,
    {
      kind: SpanKind.INTERNAL,
      attributes,
      links: runContext === undefined ? [] : [{ context: runContext, attributes: CLOSED_RUN_LINK }],
      ...(dated ? { startTime: TIME_ORIGIN + interruptedAt } : {}),
    },
    action.context,
  );
}
