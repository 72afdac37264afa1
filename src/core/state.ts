// The records the core keeps: one per open lifecycle action, one per tracked run. Plain data with
// no logic beyond reading itself; the core's other modules act on them. A run reaches the code that
// owns it only through the small `RunOwner` interface, never through a pointer to the tracker.
import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { errorFingerprint } from '../redact.js';
import type {
  ActionInfo,
  CloseClassification,
  InterruptMeta,
  ProvenanceSource,
  RunCloseInfo,
  RunEndOptions,
  RunHandle,
} from '../types.js';
import { classificationForKind, type KindSet } from './classification.js';
import type { LifecycleMetrics } from './metrics.js';
import type { ScopeMember, ScopeRegistry, ScopeState } from './scope-registry.js';
import type { Snapshot } from './snapshot.js';
import type { RunWatchdog, WatchedRun } from './watchdog.js';

/** The core's settings, already validated (config.ts makes them). */
export interface Settings {
  readonly maxClosedRunSpansPerAction: number;
  readonly maxScopeKeysPerAction: number;
  readonly recentCloses: number;
  readonly interruptGraceMs: number;
  readonly maxRunAgeMs: number;
  readonly lateCloseWindowMs: number;
  readonly maxActionAgeMs: number;
  readonly recordConversationId: boolean;
  readonly kinds: KindSet;
  readonly actionHook: ((span: Span, info: ActionInfo) => void) | undefined;
  readonly runCloseHook: ((span: Span, info: RunCloseInfo) => void) | undefined;
}

/** What the core's parts share: handed to each part's functions, never held by a run or an action. */
export interface Core {
  readonly settings: Settings;
  readonly registry: ScopeRegistry<TrackedRun, ActionState>;
  readonly watchdog: RunWatchdog<TrackedRun>;
  readonly snapshot: Snapshot;
  /** The action of the calling async context (open or ended: callers check); an AsyncLocalStorage. */
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

let actionCounter = 0;

/** `<kind>-<base-36 ms time>-<base-36 process counter>`: bounded, unique in the process, content-free. */
export function nextActionId(kind: string): string {
  actionCounter = actionCounter >= Number.MAX_SAFE_INTEGER ? 1 : actionCounter + 1;
  return `${kind}-${Date.now().toString(36)}-${actionCounter.toString(36)}`;
}

/** A process-wide order of run starts and scope closes: which came first, without reading a clock. */
let sequence = 0;
export function nextSequence(): number {
  return ++sequence;
}

export type Scope = ScopeState<TrackedRun, ActionState>;

/** One lifecycle action, from `begin` (or `action`) until it and every call it joined have settled. */
export class ActionState {
  readonly classification: CloseClassification;
  readonly spanContext: SpanContext;
  readonly startedAt = performance.now();
  /** The action span in its parent context; after the end, only the span's context (the span is let go). */
  context: Context;
  span: Span | undefined;
  readonly scopeKeys = new Set<string>();
  scopeKeysOmitted = 0;
  /** Scopes the action registered on (removed again by identity when it ends). */
  readonly registeredOn: Scope[] = [];
  /** Scopes the action closed, with the sequence number of when: the late-close window reads them. */
  readonly closed = new Map<Scope, number>();
  runsInterrupted = 0;
  closedRunSpans = 0;
  /** The action's own work plus every joined call not yet settled; it ends when this reaches 0. */
  pending = 1;
  failure: { error: unknown } | undefined;
  timedOut = false;
  ended = false;
  endedAt = 0;
  timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly id: string,
    readonly kind: string,
    /** The tracer the action started with: its closed-run children go to the same provider. */
    readonly tracer: Tracer,
    span: Span,
    parent: Context,
  ) {
    this.classification = classificationForKind(kind);
    this.span = span;
    this.context = trace.setSpan(parent, span);
    this.spanContext = span.spanContext();
  }

  /** Counts a scope key on the action span, up to the bound. */
  noteScopeKey(key: string, max: number): void {
    if (this.scopeKeys.has(key)) return;
    if (this.scopeKeys.size < max) this.scopeKeys.add(key);
    else this.scopeKeysOmitted++;
  }

  /** Remembers that the action closed `scope`, and when (the first time). */
  noteClosed(scope: Scope): void {
    if (!this.closed.has(scope)) this.closed.set(scope, nextSequence());
  }

  /** Lets the span go once it has ended; children started later still find their parent by its context. */
  release(): void {
    this.span = undefined;
    this.context = trace.setSpanContext(ROOT_CONTEXT, this.spanContext);
    this.scopeKeys.clear();
    this.registeredOn.length = 0;
  }
}

/**
 * The context a new span starts in: the active one, except that the span of an action that has
 * ended is no parent (a timer it created lives on in its context; what runs there is not its work).
 */
export function liveParent(core: Core): Context {
  const active = context.active();
  const action = core.current.getStore();
  if (action?.ended && trace.getSpanContext(active)?.spanId === action.spanContext.spanId) {
    return trace.deleteSpan(active);
  }
  return active;
}

/** What a run's handle calls on the code that owns it. */
export interface RunOwner {
  interrupt(run: TrackedRun, meta: InterruptMeta | undefined): void;
  finish(run: TrackedRun, options: RunEndOptions | undefined): void;
}

/** A run the package tracks: in its scope's list while in flight, and attributed once. */
export class TrackedRun implements RunHandle, WatchedRun, ScopeMember<TrackedRun> {
  // scope membership (an intrusive list: no Set churn per run)
  scope: Scope | undefined;
  prevInScope: TrackedRun | undefined;
  nextInScope: TrackedRun | undefined;
  // the watchdog's bookkeeping
  startedAt = 0;
  watch: WatchedRun['watch'] = undefined;
  // the interrupt, decided once (core/attribution.ts)
  interruptedAt: number | undefined;
  closer: ActionState | undefined;
  provenance: ProvenanceSource | undefined;
  /** A recent action that closed the run's scope: the cause at the end unless the host says otherwise. */
  lateCandidate: ActionState | undefined;
  /** What the host said when it interrupted: a user cancel, or a lifecycle close of a kind. */
  hostWord: CloseClassification | undefined;
  hostKind: string | undefined;
  /** Closed by an action that had already ended. */
  late = false;
  closedRunSpan: Span | undefined;
  errorSeen: string | undefined;
  /** Listening to the host's signal (core/signals.ts), and an end waiting for that signal's turn. */
  listening = false;
  endDeferred = false;
  /** Set by closeScope: an owned signal read for the first time later is already aborted. */
  scopeClosed = false;
  final: CloseClassification | undefined;
  ended = false;
  private controller: AbortController | undefined;

  constructor(
    private readonly owner: RunOwner,
    readonly recording: boolean,
    readonly runId: string,
    readonly sessionId: string | undefined,
    readonly scopeKey: string,
    readonly span: Span,
    readonly ownsSpan: boolean,
    readonly hostSignal: AbortSignal | undefined,
    readonly sequence: number,
  ) {}

  get signal(): AbortSignal {
    if (this.hostSignal !== undefined) return this.hostSignal;
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.scopeClosed) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** The run span's context, when it has a valid one (a hostile span answers nothing). */
  spanContext(): SpanContext | undefined {
    try {
      const spanContext = this.span.spanContext();
      return isSpanContextValid(spanContext) ? spanContext : undefined;
    } catch {
      return undefined;
    }
  }

  /** Aborts the signal this handle owns (not a host's signal), now or when it is first read. */
  abortOwnSignal(): void {
    this.scopeClosed = true;
    this.controller?.abort();
  }

  get classification(): CloseClassification | undefined {
    return this.final ?? this.closer?.classification ?? this.hostWord;
  }

  interrupted(meta?: InterruptMeta): void {
    this.owner.interrupt(this, meta);
  }

  recordError(error: unknown): void {
    if (!this.ended) this.errorSeen = errorFingerprint(error);
  }

  end(options?: RunEndOptions): void {
    this.owner.finish(this, options);
  }
}
