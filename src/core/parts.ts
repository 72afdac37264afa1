// What the core's parts share: the `Core` handed to each part's functions (never held by a run or
// an action), and the two questions every part asks of the calling async context.
import { context, trace, type Context, type Tracer } from '@opentelemetry/api';
import type { LifecycleMetrics } from './metrics.js';
import type { ActionState, RunOwner, RunRecord } from './records.js';
import type { ScopeRegistry } from './scope-registry.js';
import type { Settings } from './settings.js';
import type { Snapshot } from './snapshot.js';
import type { RunWatchdog } from './watchdog.js';

export interface Core {
  readonly settings: Settings;
  readonly registry: ScopeRegistry<RunRecord, ActionState>;
  readonly watchdog: RunWatchdog<RunRecord>;
  readonly snapshot: Snapshot;
  /** The action of the calling async context (open or ended: see `openAction`); an AsyncLocalStorage. */
  readonly current: {
    getStore(): ActionState | undefined;
    run<R>(store: ActionState, fn: () => R): R;
  };
  /** Open actions by id, and recently ended ones (bounded) that `closedBy` may still name. */
  readonly openActions: Map<string, ActionState>;
  readonly endedActions: Map<string, ActionState>;
  readonly owner: RunOwner;
  /** Reports `message` on diag the first time `key` comes up. */
  warnOnce(key: string, message: string): void;
  tracer(): Tracer;
  metrics(): LifecycleMetrics;
}

/**
 * The action open in the calling async context. An action that has ended attributes nothing: its
 * context lives on in every timer and promise chain it created, but what runs there is not its work.
 */
export function openAction(core: Core): ActionState | undefined {
  if (core.openActions.size === 0) return undefined;
  const action = core.current.getStore();
  return action === undefined || action.ended ? undefined : action;
}

/** The context a new span starts in: the active one, except that an ended action's span is no parent. */
export function liveParent(core: Core): Context {
  const active = context.active();
  // The package's own context first: outside an ended action (nearly every run) the active
  // context's span is not read at all.
  const action = core.current.getStore();
  if (action === undefined || !action.ended) return active;
  return trace.getSpanContext(active)?.spanId === action.spanContext.spanId ? trace.deleteSpan(active) : active;
}
