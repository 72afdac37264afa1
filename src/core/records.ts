// The records the core keeps: one per open lifecycle action, one per tracked run, and the cause a
// run's close is decided on. Plain data: the core's other modules act on them. A run reaches the
// code that owns it only through the small `RunOwner` interface, never through the tracker.
import {
  ROOT_CONTEXT,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { isRecording } from '../host-input.js';
import type { CloseClassification, InterruptMeta, RunEndOptions } from '../types.js';
import { classificationForKind } from './classification.js';
import type { ScopeMember, ScopeState } from './scope-registry.js';
import type { WatchedRun } from './watchdog.js';

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

export type Scope = ScopeState<RunRecord, ActionState>;

/** One lifecycle action, from `begin` (or `action`) until it and every call it joined have settled. */
export class ActionState {
  readonly classification: CloseClassification;
  readonly spanContext: SpanContext;
  /**
   * The action span was recorded when it started (its sampler kept it): only then are `run closed`
   * children started under it (core/attribution.ts). Read once: an SDK span stops recording when it ends.
   */
  readonly recording: boolean;
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
  /** The attributes of the last close this action gave (core/close.ts): equal closes share them. */
  lastClose:
    | {
        readonly outcome: string;
        readonly provenance: string | undefined;
        readonly late: boolean;
        readonly errorFingerprint: string | undefined;
        readonly summaryKey: string;
        readonly attributes: Attributes;
      }
    | undefined;
  /** The link back to this action that the run spans it closed carry (core/end.ts), built once. */
  closedByLink: Link | undefined;
  /** The causes this action gives, one per provenance and lateness (a fan-out allocates none per run). */
  private readonly causes = new Map<string, Cause>();

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
    this.recording = isRecording(span);
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

  /** The cause of a run this action closed, found by `provenance`: the same object for every such run. */
  causeOf(provenance: ActionProvenance, late: boolean): Cause {
    const key = late ? `${provenance}:late` : provenance;
    let cause = this.causes.get(key);
    if (cause === undefined) {
      cause = Object.freeze({ by: 'action', action: this, provenance, late });
      this.causes.set(key, cause);
    }
    return cause;
  }

  /** Lets the span go once it has ended; children started later still find their parent by its context. */
  release(): void {
    this.span = undefined;
    this.context = trace.setSpanContext(ROOT_CONTEXT, this.spanContext);
    this.scopeKeys.clear();
    this.registeredOn.length = 0;
  }
}

/** How the action that closed a run was found. */
export type ActionProvenance = 'context' | 'scope_registry' | 'explicit';

/**
 * Why a run closed, decided once: at the interrupt, or at the end when nothing interrupted it (a
 * run that simply ended has no cause: its outcome speaks for it).
 * - `action`: a lifecycle action closed it (`late` when that action had already ended);
 * - `user_cancel`: the host said the interrupt was the user's cancel;
 * - `reason`: the abort reason named a lifecycle kind, and no action explains the interrupt;
 * - `unexplained`: the run was interrupted and nothing explains it (`unknown_scope_close`).
 */
export type Cause =
  | {
      readonly by: 'action';
      readonly action: ActionState;
      readonly provenance: ActionProvenance;
      readonly late: boolean;
    }
  | { readonly by: 'user_cancel' }
  | { readonly by: 'reason'; readonly kind: string }
  | { readonly by: 'unexplained' };

/**
 * An interrupt that only the end can settle: a recent action that closed the run's scope explains
 * it unless the host ends the run as a user's cancel; else the abort reason's kind, else nothing.
 */
export interface PendingCause {
  readonly by: 'pending';
  readonly recent: ActionState | undefined;
  readonly reasonKind: string | undefined;
}

/** One signal's abort listener (core/signals.ts) and the runs on it. */
export interface Listening {
  runs: RunRecord | Set<RunRecord> | undefined;
  /** Waiting in `emptied` to be let go. */
  queued: boolean;
  /** The signal aborted and the listener removed itself (no run's end has to). */
  aborted: boolean;
  /** In a table of signals: it was replaced as the last signal while it had to stay findable (core/signals.ts). */
  indexed: boolean;
  /** The function listening: one shared by every native signal, or the signal-like object's own. */
  readonly listener: (this: AbortSignal) => void;
}

/** What a run's handle calls on the code that owns it. */
export interface RunOwner {
  interrupt(run: RunRecord, meta: InterruptMeta | undefined): void;
  finish(run: RunRecord, options: RunEndOptions | undefined): void;
}

/** A run the package tracks: in its scope's list while in flight, its cause decided once. */
export class RunRecord implements WatchedRun, ScopeMember<RunRecord> {
  // scope membership (an intrusive list: no Set churn per run)
  scope: Scope | undefined;
  prevInScope: RunRecord | undefined;
  nextInScope: RunRecord | undefined;
  // the watchdog's bookkeeping; `startedAt` is read only when a duration or age needs it
  startedAt: number | undefined;
  watch: WatchedRun['watch'] = undefined;
  prevWatched: RunRecord | undefined = undefined;
  nextWatched: RunRecord | undefined = undefined;
  /** When the interrupt was recorded (performance time), and what it decided. */
  interruptedAt: number | undefined;
  cause: Cause | PendingCause | undefined;
  /** The run's `run closed` child under the action that closed it (under the fan-out cap). */
  closedRunSpan: Span | undefined;
  /** The child was started at the recorded interrupt time, not by the SDK's clock: end it the same way. */
  closedRunSpanDated = false;
  errorFingerprint: string | undefined;
  /** Listening to the host's signal (core/signals.ts), and an end waiting for that signal's turn. */
  listening: Listening | undefined = undefined;
  endDeferred = false;
  /** Set by closeScope: an owned signal read for the first time later is already aborted. */
  scopeClosed = false;
  /** Once ended: the classification it was closed with. */
  classification: CloseClassification | undefined;
  ended = false;
  private controller: AbortController | undefined;

  constructor(
    readonly owner: RunOwner,
    readonly recording: boolean,
    readonly runId: string,
    readonly sessionId: string | undefined,
    readonly scopeKey: string,
    readonly span: Span,
    readonly ownsSpan: boolean,
    readonly hostSignal: AbortSignal | undefined,
    readonly sequence: number,
  ) {}

  /** The host's signal, else one the run owns (aborted by `closeScope`, now or when first read). */
  signal(): AbortSignal {
    if (this.hostSignal !== undefined) return this.hostSignal;
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.scopeClosed) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** Aborts the signal the run owns (not a host's signal), now or when it is first read. */
  abortOwnSignal(): void {
    this.scopeClosed = true;
    this.controller?.abort();
  }
}
