// Public configuration, option, handle and hook types. Internal types live beside their code.
import type { Span } from '@opentelemetry/api';

/** The lifecycle kinds every host has. */
export type BuiltInLifecycleKind =
  | 'instance_reload'
  | 'instance_dispose'
  | 'instance_dispose_directory'
  | 'instance_dispose_all';

/**
 * A built-in kind, or a host-defined token matching `/^[a-z][a-z0-9_]{0,39}$/`
 * (e.g. `idle_eviction`). Anything else is rejected.
 */
export type LifecycleKind = BuiltInLifecycleKind | (string & {});

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

/** How the action that closed a run was found. */
export type ProvenanceSource = 'context' | 'scope_registry' | 'none';

/** What the host says about how a run ended. */
export type RunOutcome = 'completed' | 'error' | 'user_cancel';

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
}

export interface SessionLifecycleConfig {
  /** Start enabled (default `true`). */
  enabled?: boolean;
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
  /** Called (guarded) with the action span just before it ends. */
  actionHook?: ((span: Span, info: ActionInfo) => void) | undefined;
  /** Called (guarded) with the run's span once its close is recorded on it, before it ends. */
  runCloseHook?: ((span: Span, info: RunCloseInfo) => void) | undefined;
}

/** Options of one `action()` call. */
export interface ActionOptions {
  /** Raw scopes (directories) the action targets: registered so a lost context still attributes. */
  scopes?: readonly string[] | undefined;
}

export interface TrackRunOptions {
  /** The host's run id: kept if it is a safe token, else sent as `h:<16 hex>`. */
  runId: string;
  /** The host's session id, under the same rule as `runId`. */
  sessionId?: string | undefined;
  /** The raw scope (directory) the run lives in. Never exported: only its `dir:<16 hex>` key. */
  scope: string;
  /** The signal the host aborts to stop the run; its abort event is the interrupt. */
  signal?: AbortSignal | undefined;
  /** The host's own span for the run (e.g. `invoke_agent`): annotated instead of a new `run` span. */
  span?: Span | undefined;
  /** With `span`: also end that span when the run ends (default `false`: the host owns it). */
  endSpan?: boolean | undefined;
}

export interface RunEndOptions {
  /** Default `completed`. A run that a lifecycle action interrupted keeps that classification. */
  outcome?: RunOutcome | undefined;
  /** Reduced to a fingerprint (error name/code tokens); its message is never read. */
  error?: unknown;
}

export interface InterruptMeta {
  /**
   * The interrupt is a user's cancel. Classified `user_cancel` unless an action is active in
   * the calling context (a lifecycle close wins).
   */
  userCancel?: boolean | undefined;
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
export type StoreMethodKinds<T> = {
  [K in keyof T]?: T[K] extends (...args: never[]) => unknown ? LifecycleKind : never;
};

export interface InstrumentStoreOptions {
  /**
   * The raw scopes (directories) a call targets, from its method name and arguments. Default:
   * the first argument when it is a string (`reload(dir)`, `dispose(dir)`), else none.
   */
  scopeOf?: ((methodName: string, args: readonly unknown[]) => string | readonly string[] | undefined) | undefined;
}

/** One run close as the diagnostics snapshot keeps it. */
export interface SnapshotClose {
  /** ISO time of the close. */
  readonly at: string;
  readonly run_id: string;
  readonly session_id?: string;
  readonly scope_key: string;
  readonly classification: CloseClassification;
  readonly summary_key: string;
  readonly outcome: RecordedOutcome;
  readonly provenance?: ProvenanceSource;
  readonly action_id?: string;
  readonly kind?: string;
  /** From trackRun to end. */
  readonly run_duration_ms: number;
  /** From the interrupt to end: how long the run took to stop. */
  readonly stop_duration_ms?: number;
}

/** `lifecycle.snapshot()`: versioned, JSON-serializable, bounded, content-free. */
export interface LifecycleSnapshot {
  readonly schema_version: 1;
  readonly package: { readonly name: string; readonly version: string };
  readonly enabled: boolean;
  readonly taken_at: string;
  /** When counting started (the instrumentation's creation). */
  readonly since: string;
  readonly in_flight: { readonly actions: number; readonly runs: number; readonly scopes: number; readonly scope_registrations: number };
  /** At most 50, oldest first. */
  readonly active_actions: ReadonlyArray<{
    readonly action_id: string;
    readonly kind: string;
    readonly age_ms: number;
    readonly runs_interrupted: number;
    readonly scope_keys: number;
  }>;
  /** The last `recentCloses` closes (config, default 100), oldest first. */
  readonly recent_closes: readonly SnapshotClose[];
  readonly closes_by_classification: Readonly<Record<CloseClassification, number>>;
  /** Actions started, by kind (at most 64 kinds; the rest under `_other`). */
  readonly actions_by_kind: Readonly<Record<string, number>>;
}
