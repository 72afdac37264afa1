// Lifecycle actions: `begin` starts one (or joins the one open in the calling context), its handle
// runs code inside it and ends it, and `runAction` is the one-call form. An action stays open until
// its own work and every call it joined have settled, or until the action watchdog ends it.
import { context, SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { guarded } from '../guard.js';
import { followSettlement, readArray, readOption } from '../host-input.js';
import { logger } from '../log.js';
import { errorFingerprint } from '../redact.js';
import {
  ATTR_ACTION_ID,
  ATTR_ACTION_ORIGIN,
  ATTR_ACTION_OUTCOME,
  ATTR_ACTION_REASON,
  ATTR_ACTION_TIMED_OUT,
  ATTR_ERROR_TYPE,
  ATTR_LIFECYCLE_KIND,
  ATTR_RUNS_INTERRUPTED,
  ATTR_RUNS_OMITTED,
  ATTR_SCOPE_KEYS,
  ATTR_SCOPE_KEYS_OMITTED,
  SPAN_NAME_ACTION_PREFIX,
} from '../semconv.js';
import type { ActionHandle, ActionResult } from '../types.js';
import { isBoundedToken } from '../tokens.js';
import { liveParent, openAction, type Core } from './parts.js';
import { ActionState, nextActionId } from './records.js';

/** Ended actions `closedBy` may still name (within the late window). */
const MAX_ENDED_ACTIONS = 32;

/** A handle on one action: the action's own, or a joined call's share of the action it joined. */
class Handle implements ActionHandle {
  private settled = false;
  constructor(
    private readonly core: Core,
    private readonly state: ActionState,
  ) {}

  get id(): string {
    return this.state.id;
  }

  run<T>(fn: () => T): T {
    const { state } = this;
    if (state.ended) return fn();
    return context.with(state.context, () => this.core.current.run(state, fn));
  }

  bind<F extends (...args: never[]) => unknown>(fn: F): F {
    const run = this.run.bind(this);
    return function (this: unknown, ...args: Parameters<F>) {
      return run(() => fn.apply(this, args));
    } as F;
  }

  end(result?: ActionResult): void {
    const error = readOption(result, 'error');
    this.settle(error !== undefined, error);
  }

  settle(failed: boolean, error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    const { state } = this;
    if (failed) state.failure ??= { error };
    if (--state.pending <= 0) endAction(this.core, state);
  }
}

/** The handle of an action that records nothing (disabled, or it could not start): it only runs code. */
export class DetachedHandle implements ActionHandle {
  constructor(readonly id: string) {}
  run<T>(fn: () => T): T {
    return fn();
  }
  bind<F extends (...args: never[]) => unknown>(fn: F): F {
    return fn;
  }
  end(): void {}
}

/** Begins an action of `kind`, or joins the action open in the calling context. Never throws. */
export function begin(core: Core, kind: unknown, options: unknown): ActionHandle {
  return (
    guarded('starting a lifecycle action', () => beginOrJoin(core, kind, options), undefined) ??
    new DetachedHandle(nextActionId('untraced'))
  );
}

function beginOrJoin(core: Core, kind: unknown, options: unknown): ActionHandle {
  const scopes = readScopes(options);
  const active = openAction(core);
  if (active !== undefined) {
    // Joining: one action per call chain, never a second root or id.
    for (const scope of scopes) register(core, active, scope);
    active.pending++;
    return new Handle(core, active);
  }
  const resolved = core.settings.kinds.resolve(kind, (m) => logger.error(m));
  return new Handle(core, start(core, resolved, scopes, options));
}

/**
 * Runs `fn` as an action: ends it when `fn` returns, throws, or what it returns settles (a promise
 * or thenable is followed, see `followSettlement`).
 */
export function runAction<T>(core: Core, kind: unknown, options: unknown, fn: () => T): T {
  const handle = begin(core, kind, options);
  if (!(handle instanceof Handle)) return fn();
  let result: T;
  try {
    result = handle.run(fn);
  } catch (error) {
    handle.settle(true, error);
    throw error;
  }
  return followSettlement(result, (failed, error) => handle.settle(failed, error));
}

function readScopes(options: unknown): string[] {
  const raw = readOption(options, 'scopes');
  if (raw === undefined) return [];
  const items = readArray(raw);
  if (items === undefined) {
    logger.warn('action options.scopes must be an array of strings; ignored');
    return [];
  }
  const scopes = items.filter((scope): scope is string => typeof scope === 'string');
  if (scopes.length < items.length) logger.warn('action options.scopes holds values that are not strings; ignored');
  return scopes;
}

function token(options: unknown, name: 'reason' | 'origin'): string | undefined {
  const value = readOption(options, name);
  if (value === undefined || isBoundedToken(value)) return value;
  logger.warn(`action options.${name} must be a token /^[a-z][a-z0-9_]{0,39}$/; dropped`);
  return undefined;
}

function start(core: Core, kind: string, scopes: readonly string[], options: unknown): ActionState {
  const id = nextActionId(kind);
  const parent = liveParent(core);
  const attributes: Attributes = { [ATTR_LIFECYCLE_KIND]: kind, [ATTR_ACTION_ID]: id };
  const reason = token(options, 'reason');
  const origin = token(options, 'origin');
  if (reason !== undefined) attributes[ATTR_ACTION_REASON] = reason;
  if (origin !== undefined) attributes[ATTR_ACTION_ORIGIN] = origin;
  const tracer = core.tracer();
  const span = tracer.startSpan(SPAN_NAME_ACTION_PREFIX + kind, { kind: SpanKind.INTERNAL, attributes }, parent);
  const state = new ActionState(id, kind, tracer, span, parent);
  core.openActions.set(id, state);
  core.snapshot.countAction(kind);
  for (const scope of scopes) register(core, state, scope);
  const maxAge = core.settings.maxActionAgeMs;
  if (maxAge > 0) {
    state.timer = setTimeout(() => {
      state.timedOut = true;
      endAction(core, state);
    }, maxAge);
    state.timer.unref?.();
  }
  return state;
}

function register(core: Core, action: ActionState, rawScope: string): void {
  const scope = core.registry.register(rawScope, action);
  if (scope === undefined) return;
  action.registeredOn.push(scope);
  action.noteScopeKey(scope.key, core.settings.maxScopeKeysPerAction);
  action.noteClosed(scope);
}

function endAction(core: Core, action: ActionState): void {
  if (action.ended) return;
  action.ended = true;
  action.endedAt = Date.now();
  if (action.timer !== undefined) clearTimeout(action.timer);
  core.openActions.delete(action.id);
  core.endedActions.set(action.id, action);
  if (core.endedActions.size > MAX_ENDED_ACTIONS) core.endedActions.delete(core.endedActions.keys().next().value!);
  for (const scope of action.registeredOn) core.registry.unregister(scope, action);
  for (const [scope, closedAt] of action.closed) {
    core.registry.rememberClose(scope, { action, closedAt, endedAtMs: action.endedAt });
  }
  action.closed.clear();
  guarded('recording the end of a lifecycle action', () => record(core, action), undefined);
  action.release();
}

function record(core: Core, action: ActionState): void {
  const span = action.span!;
  const failed = action.failure !== undefined;
  const outcome = failed ? 'error' : 'ok';
  const runsOmitted = action.runsInterrupted - action.closedRunSpans;
  const scopeKeys = [...action.scopeKeys];
  const attributes: Attributes = {
    [ATTR_RUNS_INTERRUPTED]: action.runsInterrupted,
    [ATTR_RUNS_OMITTED]: Math.max(0, runsOmitted),
    [ATTR_SCOPE_KEYS]: scopeKeys,
    [ATTR_ACTION_OUTCOME]: outcome,
  };
  if (action.scopeKeysOmitted > 0) attributes[ATTR_SCOPE_KEYS_OMITTED] = action.scopeKeysOmitted;
  if (action.timedOut) attributes[ATTR_ACTION_TIMED_OUT] = true;
  if (failed) {
    attributes[ATTR_ERROR_TYPE] = errorFingerprint(action.failure!.error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'lifecycle action failed' });
  }
  span.setAttributes(attributes);
  const hook = core.settings.actionHook;
  if (hook !== undefined) {
    const info = {
      actionId: action.id,
      kind: action.kind,
      runsInterrupted: action.runsInterrupted,
      runsOmitted,
      scopeKeys,
      outcome,
      timedOut: action.timedOut,
    } as const;
    guarded('actionHook', () => hook(span, info), undefined);
  }
  span.end();
  core
    .metrics()
    .actionEnded(action.kind, outcome, action.runsInterrupted, (performance.now() - action.startedAt) / 1000);
}
