// Public configuration, option, handle and hook types. Internal types live beside their code; the
// snapshot's shapes live in core/snapshot.ts and the set-up's in sdk/types.ts.
import type { Span } from '@opentelemetry/api';

/** The lifecycle kinds every host has. */
export type BuiltInLifecycleKind =
  | 'instance_reload'
  | 'instance_dispose'
  | 'instance_dispose_directory'
  | 'instance_dispose_all';

/**
 * A built-in kind, or one of the kinds the host declared in `config.kinds` (`K`). An undeclared
 * kind does not compile; at run time it is recorded as `unknown_kind` and reported on diag.
 */
export type LifecycleKind<K extends string = never> = BuiltInLifecycleKind | K;

/** Why a run ended. */
export type CloseClassification =
  | 'success'
  | 'error'
  | 'user_cancel'
  | 'local_instance_reload'
  | 'local_instance_dispose'
  | 'known_lifecycle_close'
  | 'unknown_scope_close'
  | 'abandoned';

/**
 * How the action that closed a run was found: `context` (open in the aborting async context),
 * `scope_registry` (registered on the run's scope, or recently closed it), `explicit` (the host
 * named it with `closedBy`), `none`.
 */
export type ProvenanceSource = 'context' | 'scope_registry' | 'explicit' | 'none';

/**
 * What the host says about how a run ended. `interrupted`: the run stopped because it was
 * interrupted (aborted, a fiber interrupted); it did not fail. Its classification says who
 * interrupted it.
 */
export type RunOutcome = 'completed' | 'error' | 'user_cancel' | 'interrupted';

/** How a run ended as recorded: the host's outcome, or `abandoned` when the package ended it. */
export type RecordedOutcome = RunOutcome | 'abandoned';

/** Handed to `actionHook` when an action ends. Every value is bounded and content-free. */
export interface ActionInfo {
  readonly actionId: string;
  readonly kind: string;
  readonly runsInterrupted: number;
  readonly runsOmitted: number;
  readonly scopeKeys: readonly string[];
  readonly outcome: 'ok' | 'error';
  /** The action did not settle within `maxActionAgeMs` and was ended by the package. */
  readonly timedOut: boolean;
}

/** Handed to `runCloseHook` when a run ends (not for a host span that already ended). Bounded, content-free. */
export interface RunCloseInfo {
  readonly runId: string;
  readonly sessionId: string | undefined;
  readonly scopeKey: string;
  readonly classification: CloseClassification;
  readonly summaryKey: string;
  readonly provenance: ProvenanceSource | undefined;
  readonly actionId: string | undefined;
  readonly kind: string | undefined;
  /** Attributed to an action that had already ended (a late, victim-side report). */
  readonly late: boolean;
}

export interface SessionLifecycleConfig<K extends string = never> {
  /** Start enabled (default `true`). */
  enabled?: boolean;
  /**
   * The host's own lifecycle kinds, besides the built-in ones: tokens matching
   * `/^[a-z][a-z0-9_]{0,39}$/` (e.g. `['idle_eviction']`). Actions of any other kind still run, and
   * are recorded as `unknown_kind`.
   */
  kinds?: readonly K[] | undefined;
  /**
   * At most this many `run closed` child spans per action (default 1,000, well under Jaeger's
   * 2,000-span comfort and Tempo's 5 MB trace limit). Past it the action counts omitted runs in
   * `session_host.lifecycle.runs_omitted`; each run's own span still gets the action id and link.
   */
  maxClosedRunSpansPerAction?: number | undefined;
  /** At most this many scope keys on an action span (default 64). */
  maxScopeKeysPerAction?: number | undefined;
  /** How many recent closes `snapshot()` keeps, in a ring buffer (default 100, 0 keeps none). */
  recentCloses?: number | undefined;
  /**
   * A run that was interrupted but that the host has not ended this many ms later is ended by
   * the package: it keeps its close classification, with summary key
   * `<classification>.end_not_observed` and outcome `abandoned` (default 30,000; 0 turns it off).
   */
  interruptGraceMs?: number | undefined;
  /**
   * A run neither interrupted nor ended this many ms after `trackRun` is ended by the package as
   * `abandoned` (`abandoned.max_age_exceeded`). Default 0: off.
   */
  maxRunAgeMs?: number | undefined;
  /**
   * For this many ms after an action ends, an interrupt of a run that was in a scope the action
   * closed is still attributed to it (a late report, `session_host.close.late`). Default 60,000;
   * 0 turns it off.
   */
  lateCloseWindowMs?: number | undefined;
  /**
   * An action whose work has not settled this many ms after it began is ended by the package
   * (`session_host.lifecycle.timed_out`), releasing its scopes; the host's work is untouched.
   * Default 600,000 (10 minutes); 0 turns it off.
   */
  maxActionAgeMs?: number | undefined;
  /**
   * Also record the session id as `gen_ai.conversation.id` on the run spans the package starts,
   * under the same safe-id rule as `session_host.session.id` (default `false`).
   */
  recordConversationId?: boolean | undefined;
  /** Called (guarded) with the action span just before it ends. */
  actionHook?: ((span: Span, info: ActionInfo) => void) | undefined;
  /** Called (guarded) with the run's span once its close is recorded on it, before it ends. */
  runCloseHook?: ((span: Span, info: RunCloseInfo) => void) | undefined;
}

/** Options of one action. */
export interface ActionOptions {
  /** Raw scopes (directories) the action targets: registered so a lost context still attributes. */
  scopes?: readonly string[] | undefined;
  /** Why: a bounded token such as `config_change` or `idle` (`session_host.lifecycle.reason`). */
  reason?: string | undefined;
  /** Who asked: a bounded token such as `http`, `signal` or `timer` (`session_host.lifecycle.origin`). */
  origin?: string | undefined;
}

/** How an action ended, for `ActionHandle.end`. */
export interface ActionResult {
  /** The action failed with this error (reduced to a fingerprint). */
  error?: unknown;
}

/**
 * One lifecycle action that spans more than one call: `begin` returns it, `run` runs code inside
 * it, `end` ends it. Every method is safe to call any number of times and never throws.
 */
export interface ActionHandle {
  /** The action id, as on the span: hand it to callers that asked for the action. */
  readonly id: string;
  /** Runs `fn` with this action active in its async context; after `end`, just runs `fn`. */
  run<T>(fn: () => T): T;
  /** `fn`, bound to run inside this action whenever it is called. */
  bind<F extends (...args: never[]) => unknown>(fn: F): F;
  /** Ends the action once every call it joined has settled (idempotent). */
  end(result?: ActionResult): void;
}

export interface TrackRunOptions {
  /** The host's run id: kept if it is a safe id, else sent as `h:<16 hex>`. */
  runId: string;
  /** The host's session id, under the same rule as `runId`. */
  sessionId?: string | undefined;
  /** The raw scope (directory) the run lives in. Never exported: only its `dir:<16 hex>` key. */
  scope: string;
  /**
   * The signal the host aborts to stop the run; its abort event is the interrupt. `null` says the
   * run has none on purpose (its interrupts come through `run.interrupted()`, `closeScope()` or its
   * end): no diag warning then.
   */
  signal?: AbortSignal | null | undefined;
  /** The host's own span for the run (e.g. `invoke_agent`): annotated instead of a new `run` span. */
  span?: Span | undefined;
  /** With `span`: also end that span when the run ends (default `false`: the host owns it). */
  endSpan?: boolean | undefined;
}

export interface RunEndOptions {
  /**
   * Default `completed`; with an `error`, `error`, or `interrupted` when the error says the run was
   * interrupted (an `AbortError`, its signal's own reason, an Effect interruption). A run that a
   * lifecycle action interrupted keeps that classification whatever the outcome. Ending with
   * `interrupted` (or such an error) before any interrupt was seen records the interrupt then.
   */
  outcome?: RunOutcome | undefined;
  /** Reduced to a fingerprint (error name/code tokens); its message is never read. */
  error?: unknown;
  /** The id of the action that closed the run, when the host knows it (e.g. from `activeActionId()`). */
  closedBy?: string | undefined;
}

export interface InterruptMeta {
  /**
   * The interrupt is a user's cancel. Classified `user_cancel` unless an action is open in the
   * calling context (a lifecycle close wins).
   */
  userCancel?: boolean | undefined;
  /** The id of the action that closed the run, when the host knows it. */
  closedBy?: string | undefined;
}

/** A tracked run. Every method is safe to call any number of times and never throws. */
export interface RunHandle {
  /** The bounded run id as exported. */
  readonly runId: string;
  /** The host's signal, or one this handle owns that `closeScope()` aborts. */
  readonly signal: AbortSignal;
  /** The run span (the host's span when one was passed). */
  readonly span: Span;
  /** The classification once known: at the interrupt, else at `end()`. */
  readonly classification: CloseClassification | undefined;
  /** For interrupts that are not an AbortSignal: attribute the close now, in this context. */
  interrupted(meta?: InterruptMeta): void;
  /** Remember an error; a lifecycle close still wins, before or after it. */
  recordError(error: unknown): void;
  /** End the run (idempotent: the span ends exactly once). */
  end(options?: RunEndOptions): void;
}

/** Which methods of a store are lifecycle actions, and of which kind. */
export type StoreMethodKinds<T, K extends string = never> = {
  [M in keyof T]?: T[M] extends (...args: never[]) => unknown ? LifecycleKind<K> : never;
};

export interface InstrumentStoreOptions {
  /**
   * The raw scopes (directories) a call targets, from its method name and arguments. Default, and
   * whenever it answers `undefined`: from the first argument, when it is a directory string, an
   * object with a string `directory` (`dispose(ctx)`, `reload({ directory })`), or an array of
   * those; else none. Answer `[]` for a call that targets no scope.
   */
  scopeOf?: ((methodName: string, args: readonly unknown[]) => string | readonly string[] | undefined) | undefined;
  /** The bounded reason and origin of a call (see `ActionOptions`), from its method name and arguments. */
  detailsOf?:
    | ((methodName: string, args: readonly unknown[]) => Pick<ActionOptions, 'reason' | 'origin'> | undefined)
    | undefined;
}

/** Options of `defineAction`: a defined action's scopes and details, from each call's arguments. */
export interface DefineActionOptions<A extends readonly unknown[] = readonly unknown[]> {
  /**
   * The raw scopes (directories) a call targets. Default, and whenever it answers `undefined`: from
   * the first argument, as for `instrumentStore`. Answer `[]` for a call that targets no scope.
   */
  scopeOf?: ((args: A) => string | readonly string[] | undefined) | undefined;
  /** The bounded reason and origin of a call (see `ActionOptions`). */
  detailsOf?: ((args: A) => Pick<ActionOptions, 'reason' | 'origin'> | undefined) | undefined;
}
