// The core: lifecycle actions, tracked runs, attribution at the moment of the interrupt, and the
// record of each close. Nothing here throws into host code.
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { readOption, readProperty } from '../host-input.js';
import { boundedId, errorFingerprint, INVALID_SCOPE_KEY } from '../redact.js';
import {
  classificationForKind,
  describeInvalidKind,
  isLifecycleKind,
  classificationForOutcome,
  isErrorClassification,
  isRunOutcome,
  statusOf,
  summaryKeyOf,
} from './classification.js';
import { Diagnostics } from './snapshot.js';
import type { LifecycleMetrics } from './metrics.js';
import { ScopeRegistry, type ScopeState } from './scope-registry.js';
import { RunWatchdog, type ExpiryReason, type WatchedRun } from './watchdog.js';
import {
  ATTR_ACTION_ID,
  ATTR_ACTION_OUTCOME,
  ATTR_CLOSE_CLASSIFICATION,
  ATTR_CLOSE_MISSING_PROVENANCE,
  ATTR_CLOSE_PROVENANCE,
  ATTR_CLOSE_SUMMARY_KEY,
  ATTR_ERROR_TYPE,
  ATTR_LIFECYCLE_KIND,
  ATTR_LINK_RELATION,
  ATTR_RUN_ERROR_FINGERPRINT,
  ATTR_RUN_ID,
  ATTR_RUN_OUTCOME,
  ATTR_RUNS_INTERRUPTED,
  ATTR_RUNS_OMITTED,
  ATTR_SCOPE_KEY,
  ATTR_SCOPE_KEYS,
  ATTR_SCOPE_KEYS_OMITTED,
  ATTR_SESSION_ID,
  LINK_RELATION_CLOSED_BY,
  LINK_RELATION_CLOSED_RUN,
  MISSING_PROVENANCE_CLOSE_REQUESTED,
  SPAN_NAME_ACTION_PREFIX,
  SPAN_NAME_CLOSED_RUN,
  SPAN_NAME_RUN,
} from '../semconv.js';
import type {
  ActionInfo,
  ActionOptions,
  CloseClassification,
  InterruptMeta,
  ProvenanceSource,
  RunCloseInfo,
  RunEndOptions,
  RecordedOutcome,
  RunHandle,
  TrackRunOptions,
} from '../types.js';
import { logger } from '../log.js';

const CLOSED_RUN_LINK: Attributes = Object.freeze({ [ATTR_LINK_RELATION]: LINK_RELATION_CLOSED_RUN });
const CLOSED_BY_LINK: Attributes = Object.freeze({ [ATTR_LINK_RELATION]: LINK_RELATION_CLOSED_BY });

const NON_RECORDING_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

let actionCounter = 0;
/** Read once: the getter is slow, and the wall time of a close is origin + monotonic now. */
const TIME_ORIGIN = performance.timeOrigin;

/** `<kind>-<base-36 ms time>-<base-36 process counter>`: bounded, unique in the process, content-free. */
export function nextActionId(kind: string): string {
  actionCounter = actionCounter >= Number.MAX_SAFE_INTEGER ? 1 : actionCounter + 1;
  return `${kind}-${Date.now().toString(36)}-${actionCounter.toString(36)}`;
}

/** The tracker's settings, already validated. */
export interface TrackerSettings {
  maxClosedRunSpansPerAction: number;
  maxScopeKeysPerAction: number;
  recentCloses: number;
  interruptGraceMs: number;
  maxRunAgeMs: number;
  actionHook: ((span: Span, info: ActionInfo) => void) | undefined;
  runCloseHook: ((span: Span, info: RunCloseInfo) => void) | undefined;
}

class ActionState {
  readonly classification: CloseClassification;
  readonly context: Context;
  readonly spanContext: SpanContext;
  readonly startedAt = performance.now();
  readonly scopeKeys = new Set<string>();
  readonly registeredOn: ScopeState<TrackedRun, ActionState>[] = [];
  runsInterrupted = 0;
  closedRunSpans = 0;
  scopeKeysOmitted = 0;
  ended = false;

  constructor(
    readonly id: string,
    readonly kind: string,
    readonly span: Span,
    parent: Context,
  ) {
    this.classification = classificationForKind(kind);
    this.context = trace.setSpan(parent, span);
    this.spanContext = span.spanContext();
  }
}

function safeSpanContext(span: Span): SpanContext {
  try {
    const spanContext = span.spanContext();
    return isSpanContextValid(spanContext) ? spanContext : INVALID_SPAN_CONTEXT;
  } catch {
    return INVALID_SPAN_CONTEXT;
  }
}

function isSpan(value: unknown): value is Span {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof readProperty(value, 'spanContext') === 'function' &&
    typeof readProperty(value, 'setAttributes') === 'function'
  );
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof readProperty(value, 'aborted') === 'boolean' &&
    typeof readProperty(value, 'addEventListener') === 'function'
  );
}

/** A run the package tracks. */
class TrackedRun implements RunHandle, WatchedRun {
  readonly startedAt = performance.now();
  interruptedAt: number | undefined;
  watched: 0 | 1 | 2 = 0;
  scope: ScopeState<TrackedRun, ActionState> | undefined;
  controller: AbortController | undefined;
  ended = false;
  interruptedBy: ActionState | undefined;
  provenance: ProvenanceSource | undefined;
  classification: CloseClassification | undefined;
  errorSeen: string | undefined;
  closedRunSpan: Span | undefined;

  constructor(
    private readonly tracker: Tracker,
    readonly runId: string,
    readonly sessionId: string | undefined,
    readonly scopeKey: string,
    readonly span: Span,
    readonly ownsSpan: boolean,
    readonly hostSignal: AbortSignal | undefined,
  ) {}

  get signal(): AbortSignal {
    if (this.hostSignal !== undefined) return this.hostSignal;
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  /**
   * The abort listener, made only for runs with a signal. A function, not the run itself as a
   * `handleEvent` object: on Node 20 an object listener on an AbortSignal that fires stays
   * reachable (about 2 KB a signal) even after removeEventListener (bench/retained_heap).
   */
  onAbort: (() => void) | undefined;

  listen(signal: AbortSignal): void {
    this.onAbort = () => this.tracker.interrupt(this, undefined);
    signal.addEventListener('abort', this.onAbort);
  }

  interrupted(meta?: InterruptMeta): void {
    this.tracker.interrupt(this, meta);
  }

  recordError(error: unknown): void {
    if (!this.ended) this.errorSeen = errorFingerprint(error);
  }

  end(options?: RunEndOptions): void {
    this.tracker.finish(this, options);
  }
}

/** The handle returned while disabled or when tracking failed: it does nothing, safely. */
class UntrackedRun implements RunHandle {
  readonly classification = undefined;
  private controller: AbortController | undefined;
  constructor(
    readonly runId: string,
    readonly span: Span,
    private readonly hostSignal: AbortSignal | undefined,
  ) {}
  get signal(): AbortSignal {
    if (this.hostSignal !== undefined) return this.hostSignal;
    this.controller ??= new AbortController();
    return this.controller.signal;
  }
  interrupted(): void {}
  recordError(): void {}
  end(): void {}
}

interface RawRunOptions {
  runId?: unknown;
  sessionId?: unknown;
  scope?: unknown;
  signal?: unknown;
  span?: unknown;
  endSpan?: unknown;
}

/** The trackRun options, read once; a getter that throws reads as absent (field by field then). */
function readRunOptions(options: unknown): RawRunOptions {
  if (typeof options !== 'object' || options === null) return {};
  try {
    const { runId, sessionId, scope, signal, span, endSpan } = options as RawRunOptions;
    return { runId, sessionId, scope, signal, span, endSpan };
  } catch {
    const field = (name: keyof RawRunOptions) => readOption(options, name);
    return { runId: field('runId'), sessionId: field('sessionId'), scope: field('scope'), signal: field('signal'), span: field('span'), endSpan: field('endSpan') };
  }
}

export function untrackedRun(options: unknown): RunHandle {
  const { runId, span, signal } = readRunOptions(options);
  return new UntrackedRun(boundedId(runId), isSpan(span) ? span : NON_RECORDING_SPAN, isAbortSignal(signal) ? signal : undefined);
}

function thenOf(value: unknown): ((onFulfilled: (v: unknown) => void, onRejected: (e: unknown) => void) => unknown) | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  const then = readProperty(value, 'then');
  return typeof then === 'function' ? (then as ReturnType<typeof thenOf>) : undefined;
}

export class Tracker {
  readonly registry = new ScopeRegistry<TrackedRun, ActionState>();
  readonly activeActions = new Set<ActionState>();
  readonly diagnostics: Diagnostics;
  readonly watchdog: RunWatchdog<TrackedRun>;
  private readonly current = new AsyncLocalStorage<ActionState>();
  private settingsValue: TrackerSettings;

  constructor(
    public tracer: Tracer,
    public metrics: LifecycleMetrics,
    settings: TrackerSettings,
  ) {
    this.settingsValue = settings;
    this.diagnostics = new Diagnostics(settings.recentCloses);
    this.watchdog = new RunWatchdog<TrackedRun>(
      () => this.settingsValue.interruptGraceMs,
      () => this.settingsValue.maxRunAgeMs,
      (run, reason) => this.finish(run, undefined, reason),
    );
  }

  get settings(): TrackerSettings {
    return this.settingsValue;
  }

  set settings(settings: TrackerSettings) {
    this.settingsValue = settings;
    this.diagnostics.resize(settings.recentCloses);
  }

  /** The action active in the calling async context, if any. */
  activeAction(): ActionState | undefined {
    return this.current.getStore();
  }

  // ---- actions -------------------------------------------------------------------------------

  action<T>(kind: unknown, options: ActionOptions | undefined, fn: () => T): T {
    if (!isLifecycleKind(kind)) {
      logger.error(`${describeInvalidKind(kind)}; the action runs untraced`);
      return fn();
    }
    const scopes = this.readScopes(options);
    const active = this.current.getStore();
    if (active !== undefined && !active.ended) {
      // Joining: one action per call chain, never a second root or id.
      for (const scope of scopes) this.registerScope(active, scope);
      return fn();
    }
    let state: ActionState;
    try {
      state = this.startAction(kind, scopes);
    } catch (error) {
      logger.error(`could not start a lifecycle action (${errorFingerprint(error)}); it runs untraced`);
      return fn();
    }
    let result: T;
    try {
      result = context.with(state.context, () => this.current.run(state, fn));
    } catch (error) {
      this.endAction(state, error, true);
      throw error;
    }
    const then = thenOf(result);
    if (then === undefined) {
      this.endAction(state, undefined, false);
      return result;
    }
    try {
      // Our handlers are registered first, so the span ends before the caller's continuation runs.
      // The host gets its own promise back unchanged.
      then.call(
        result,
        () => this.endAction(state, undefined, false),
        (error: unknown) => this.endAction(state, error, true),
      );
    } catch (error) {
      this.endAction(state, error, true);
    }
    return result;
  }

  private readScopes(options: ActionOptions | undefined): string[] {
    const scopes = readOption(options, 'scopes');
    if (scopes === undefined) return [];
    if (!Array.isArray(scopes)) {
      logger.warn('action options.scopes must be an array of strings; ignored');
      return [];
    }
    const raw: string[] = [];
    try {
      for (const scope of scopes as unknown[]) {
        if (typeof scope === 'string') raw.push(scope);
        else logger.warn(`action options.scopes holds a ${typeof scope}, not a string; ignored`);
      }
    } catch (error) {
      logger.warn(`action options.scopes could not be read (${errorFingerprint(error)}); ignored`);
      return [];
    }
    return raw;
  }

  private startAction(kind: string, scopes: readonly string[]): ActionState {
    const id = nextActionId(kind);
    const parent = context.active();
    const span = this.tracer.startSpan(
      SPAN_NAME_ACTION_PREFIX + kind,
      { kind: SpanKind.INTERNAL, attributes: { [ATTR_LIFECYCLE_KIND]: kind, [ATTR_ACTION_ID]: id } },
      parent,
    );
    const state = new ActionState(id, kind, span, parent);
    this.activeActions.add(state);
    this.diagnostics.countAction(kind);
    for (const scope of scopes) this.registerScope(state, scope);
    return state;
  }

  private registerScope(action: ActionState, rawScope: string): void {
    const scope = this.registry.register(rawScope, action);
    if (scope === undefined) return;
    action.registeredOn.push(scope);
    this.noteScopeKey(action, scope.key);
  }

  private noteScopeKey(action: ActionState, key: string): void {
    if (action.scopeKeys.has(key)) return;
    if (action.scopeKeys.size < this.settings.maxScopeKeysPerAction) action.scopeKeys.add(key);
    else action.scopeKeysOmitted++;
  }

  private endAction(action: ActionState, error: unknown, failed: boolean): void {
    if (action.ended) return;
    action.ended = true;
    this.activeActions.delete(action);
    for (const scope of action.registeredOn) this.registry.unregister(scope, action);
    action.registeredOn.length = 0;
    const outcome = failed ? 'error' : 'ok';
    const runsOmitted = action.runsInterrupted - action.closedRunSpans;
    const scopeKeys = [...action.scopeKeys];
    try {
      const { span } = action;
      const attributes: Attributes = {
        [ATTR_RUNS_INTERRUPTED]: action.runsInterrupted,
        [ATTR_RUNS_OMITTED]: runsOmitted,
        [ATTR_SCOPE_KEYS]: scopeKeys,
        [ATTR_ACTION_OUTCOME]: outcome,
      };
      if (action.scopeKeysOmitted > 0) attributes[ATTR_SCOPE_KEYS_OMITTED] = action.scopeKeysOmitted;
      if (failed) {
        attributes[ATTR_ERROR_TYPE] = errorFingerprint(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'lifecycle action failed' });
      }
      span.setAttributes(attributes);
      this.callHook('actionHook', this.settings.actionHook, span, {
        actionId: action.id,
        kind: action.kind,
        runsInterrupted: action.runsInterrupted,
        runsOmitted,
        scopeKeys,
        outcome,
      });
      span.end();
      this.metrics.actionEnded(action.kind, outcome, action.runsInterrupted, (performance.now() - action.startedAt) / 1000);
    } catch (caught) {
      logger.error(`recording the end of a lifecycle action failed (${errorFingerprint(caught)})`);
    }
  }

  private callHook<I>(name: string, hook: ((span: Span, info: I) => void) | undefined, span: Span, info: I): void {
    if (hook === undefined) return;
    try {
      hook(span, info);
    } catch (error) {
      logger.error(`${name} threw (${errorFingerprint(error)}); ignored`);
    }
  }

  // ---- runs ----------------------------------------------------------------------------------

  trackRun(options: TrackRunOptions): RunHandle {
    try {
      return this.startRun(options);
    } catch (error) {
      logger.error(`trackRun failed (${errorFingerprint(error)}); the run is not tracked`);
      return untrackedRun(options);
    }
  }

  private startRun(options: TrackRunOptions): TrackedRun {
    const raw = readRunOptions(options);
    const runId = boundedId(raw.runId);
    const sessionId = raw.sessionId === undefined ? undefined : boundedId(raw.sessionId);
    const rawScope = raw.scope;
    let scope: ScopeState<TrackedRun, ActionState> | undefined;
    if (typeof rawScope === 'string') scope = this.registry.open(rawScope);
    else logger.warn(`trackRun: scope must be a string (got ${typeof rawScope}); the run has no scope`);
    const scopeKey = scope?.key ?? INVALID_SCOPE_KEY;
    const signal = raw.signal;
    const hostSignal = signal === undefined ? undefined : isAbortSignal(signal) ? signal : undefined;
    if (signal !== undefined && hostSignal === undefined) logger.warn('trackRun: signal is not an AbortSignal; ignored');

    const attributes: Attributes = { [ATTR_RUN_ID]: runId, [ATTR_SCOPE_KEY]: scopeKey };
    if (sessionId !== undefined) attributes[ATTR_SESSION_ID] = sessionId;
    const hostSpan = raw.span;
    let span: Span;
    let ownsSpan: boolean;
    if (hostSpan !== undefined && isSpan(hostSpan)) {
      span = hostSpan;
      ownsSpan = raw.endSpan === true;
      span.setAttributes(attributes);
    } else {
      if (hostSpan !== undefined) logger.warn('trackRun: span is not a Span; a run span is started instead');
      span = this.tracer.startSpan(SPAN_NAME_RUN, { kind: SpanKind.INTERNAL, attributes }, context.active());
      ownsSpan = true;
    }
    const run = new TrackedRun(this, runId, sessionId, scopeKey, span, ownsSpan, hostSignal);
    let alreadyAborted = false;
    if (hostSignal !== undefined) {
      try {
        alreadyAborted = hostSignal.aborted;
        if (!alreadyAborted) run.listen(hostSignal);
      } catch (error) {
        logger.warn(`trackRun: the signal could not be listened to (${errorFingerprint(error)}); use run.interrupted()`);
      }
    }
    // Nothing below throws: the run is in the registry only once it is fully set up.
    if (scope !== undefined) {
      this.registry.addRun(scope, run);
      run.scope = scope;
    }
    this.watchdog.started(run);
    if (alreadyAborted) this.interrupt(run, undefined);
    return run;
  }

  /** Attributes the close of `run` now, in the calling async context. The first interrupt wins. */
  interrupt(run: TrackedRun, meta: InterruptMeta | undefined): void {
    if (run.ended || run.classification !== undefined) return;
    try {
      const userCancel = readOption(meta, 'userCancel') === true;
      let action = this.current.getStore();
      let provenance: ProvenanceSource = 'context';
      if (action === undefined && !userCancel) {
        action = run.scope?.top();
        provenance = 'scope_registry';
      }
      if (action === undefined) {
        this.recordUnexplained(run, userCancel ? 'user_cancel' : 'unknown_scope_close');
      } else {
        this.recordLifecycleClose(run, action, provenance);
      }
    } catch (error) {
      logger.error(`recording an interrupt failed (${errorFingerprint(error)})`);
    }
  }

  private recordUnexplained(run: TrackedRun, classification: 'user_cancel' | 'unknown_scope_close'): void {
    run.interruptedAt = performance.now();
    run.classification = classification;
    run.provenance = 'none';
    const attributes: Attributes = {
      [ATTR_CLOSE_CLASSIFICATION]: classification,
      [ATTR_CLOSE_SUMMARY_KEY]: summaryKeyOf(classification),
      [ATTR_CLOSE_PROVENANCE]: 'none',
    };
    if (classification === 'unknown_scope_close') attributes[ATTR_CLOSE_MISSING_PROVENANCE] = [MISSING_PROVENANCE_CLOSE_REQUESTED];
    this.watchdog.wasInterrupted(run);
    if (run.span.isRecording()) run.span.setAttributes(attributes);
  }

  private recordLifecycleClose(run: TrackedRun, action: ActionState, provenance: ProvenanceSource): void {
    run.interruptedAt = performance.now();
    run.classification = action.classification;
    run.interruptedBy = action;
    run.provenance = provenance;
    this.watchdog.wasInterrupted(run);
    action.runsInterrupted++;
    this.noteScopeKey(action, run.scopeKey);
    const attributes: Attributes = {
      [ATTR_CLOSE_CLASSIFICATION]: action.classification,
      [ATTR_CLOSE_SUMMARY_KEY]: summaryKeyOf(action.classification),
      [ATTR_CLOSE_PROVENANCE]: provenance,
      [ATTR_ACTION_ID]: action.id,
      [ATTR_LIFECYCLE_KIND]: action.kind,
    };
    if (action.closedRunSpans < this.settings.maxClosedRunSpansPerAction) {
      action.closedRunSpans++;
      const runContext = safeSpanContext(run.span);
      const childAttributes: Attributes = { ...attributes, [ATTR_RUN_ID]: run.runId, [ATTR_SCOPE_KEY]: run.scopeKey };
      if (run.sessionId !== undefined) childAttributes[ATTR_SESSION_ID] = run.sessionId;
      run.closedRunSpan = this.tracer.startSpan(
        SPAN_NAME_CLOSED_RUN,
        {
          kind: SpanKind.INTERNAL,
          attributes: childAttributes,
          links: runContext === INVALID_SPAN_CONTEXT ? [] : [{ context: runContext, attributes: CLOSED_RUN_LINK }],
        },
        action.context,
      );
    }
    if (run.span.isRecording()) {
      run.span.setAttributes(attributes);
      if (typeof run.span.addLink === 'function' && isSpanContextValid(action.spanContext)) {
        run.span.addLink({ context: action.spanContext, attributes: CLOSED_BY_LINK });
      }
    }
  }

  /**
   * Ends `run` once: records the close on its span (and closed-run span), then forgets it.
   * `expired` when the watchdog ends a run the host did not.
   */
  finish(run: TrackedRun, options: RunEndOptions | undefined, expired?: ExpiryReason): void {
    if (run.ended) return;
    // A host listener that ends the run synchronously inside abort() runs before ours: attribute
    // that close now, still inside the aborting context.
    if (expired === undefined && run.classification === undefined && run.hostSignal?.aborted === true) this.interrupt(run, undefined);
    run.ended = true;
    this.watchdog.ended(run);
    try {
      if (run.scope !== undefined) this.registry.removeRun(run.scope, run);
      run.scope = undefined;
      try {
        if (run.onAbort !== undefined) run.hostSignal?.removeEventListener('abort', run.onAbort);
      } catch {
        // a signal-like object that cannot remove listeners holds nothing of ours that matters
      }
      this.recordClose(run, options, expired !== undefined);
    } catch (error) {
      logger.error(`recording the end of a run failed (${errorFingerprint(error)})`);
    }
  }

  private recordClose(run: TrackedRun, options: RunEndOptions | undefined, abandoned: boolean): void {
    let rawOutcome: unknown;
    let error: unknown;
    if (typeof options === 'object' && options !== null) {
      try {
        ({ outcome: rawOutcome, error } = options);
      } catch {
        rawOutcome = readOption(options, 'outcome');
        error = readOption(options, 'error');
      }
    }
    if (error !== undefined) run.errorSeen = errorFingerprint(error);
    let outcome: RecordedOutcome;
    if (abandoned) outcome = 'abandoned';
    else if (rawOutcome === undefined) outcome = run.errorSeen === undefined ? 'completed' : 'error';
    else if (isRunOutcome(rawOutcome)) outcome = rawOutcome;
    else {
      logger.warn('run.end: outcome must be completed, error or user_cancel; recorded as error');
      outcome = 'error';
    }
    const endNotObserved = abandoned && run.classification !== undefined;
    const classification = run.classification ?? (outcome === 'abandoned' ? 'abandoned' : classificationForOutcome(outcome));
    const summaryKey = summaryKeyOf(classification, endNotObserved);
    run.classification = classification;
    const action = run.interruptedBy;
    const attributes: Attributes = {
      [ATTR_CLOSE_CLASSIFICATION]: classification,
      [ATTR_CLOSE_SUMMARY_KEY]: summaryKey,
      [ATTR_RUN_OUTCOME]: outcome,
    };
    if (run.errorSeen !== undefined) attributes[ATTR_RUN_ERROR_FINGERPRINT] = run.errorSeen;
    if (isErrorClassification(classification)) attributes[ATTR_ERROR_TYPE] = classification;
    const status = statusOf(classification);
    const { span } = run;
    if (span.isRecording()) {
      span.setAttributes(attributes);
      if (status.code !== SpanStatusCode.UNSET) span.setStatus(status);
      const hook = this.settings.runCloseHook;
      if (hook !== undefined) {
        this.callHook('runCloseHook', hook, span, {
          runId: run.runId,
          sessionId: run.sessionId,
          scopeKey: run.scopeKey,
          classification,
          summaryKey,
          provenance: run.provenance,
          actionId: action?.id,
          kind: action?.kind,
        });
      }
    }
    if (run.ownsSpan) span.end();
    if (run.closedRunSpan !== undefined) {
      run.closedRunSpan.setAttributes({ [ATTR_RUN_OUTCOME]: outcome, [ATTR_CLOSE_SUMMARY_KEY]: summaryKey });
      run.closedRunSpan.end();
      run.closedRunSpan = undefined;
    }
    run.interruptedBy = undefined;
    this.metrics.runClosed(classification, action?.kind);
    this.diagnostics.countClose(classification);
    if (this.diagnostics.keepsCloses) {
      const now = performance.now();
      const record = this.diagnostics.slot();
      record.atMs = TIME_ORIGIN + now;
      record.runId = run.runId;
      record.sessionId = run.sessionId;
      record.scopeKey = run.scopeKey;
      record.classification = classification;
      record.summaryKey = summaryKey;
      record.outcome = outcome;
      record.provenance = run.provenance;
      record.actionId = action?.id;
      record.kind = action?.kind;
      record.runMs = now - run.startedAt;
      record.stopMs = run.interruptedAt === undefined ? undefined : now - run.interruptedAt;
    }
  }

  /** Interrupts every tracked run of `rawScope` in the calling context; aborts the signals it owns. */
  closeScope(rawScope: unknown): number {
    if (typeof rawScope !== 'string') {
      logger.warn(`closeScope: scope must be a string (got ${typeof rawScope}); nothing closed`);
      return 0;
    }
    const scope = this.registry.get(rawScope);
    if (scope === undefined) return 0;
    const runs = [...scope.runs];
    for (const run of runs) {
      this.interrupt(run, undefined);
      try {
        run.controller?.abort();
      } catch (error) {
        logger.error(`an abort listener threw while closing a scope (${errorFingerprint(error)})`);
      }
    }
    return runs.length;
  }
}
