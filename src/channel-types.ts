// The message shapes of the `node:diagnostics_channel` contract (docs/channels.md). Types only: a
// host that publishes needs no runtime import of this package, and may copy these shapes instead.
import type { RecordedOutcome, RunCloseInfo, RunOutcome } from './types.js';

/**
 * The context of one lifecycle action, traced on the `session_host:lifecycle` TracingChannel
 * (`traceSync` or `tracePromise`, a fresh object per call).
 */
export interface LifecycleChannelContext {
  /** The lifecycle kind: a built-in kind or one declared in `config.kinds`. */
  kind: string;
  /** Raw scopes (directories) the action targets; never exported, only their keys. */
  scopes?: readonly string[] | undefined;
  /** A bounded token: why (`config_change`, `idle`, ...). */
  reason?: string | undefined;
  /** A bounded token: who asked (`http`, `signal`, `timer`, ...). */
  origin?: string | undefined;
}

/**
 * The context of one run's work, traced on the `session_host:run` TracingChannel: the run starts
 * when the work starts and ends when it returns or settles; a failure ends it as `error` (or as an
 * interrupt, when the error says the run was interrupted).
 */
export interface RunChannelContext {
  runId: string;
  sessionId?: string | undefined;
  /** The raw scope (directory) the run lives in. */
  scope: string;
  /** The signal the host aborts to stop the run; its abort is the interrupt. */
  signal?: AbortSignal | undefined;
  /** Set before the work ends to say how it ended (e.g. `user_cancel` when the user stopped it). */
  outcome?: RunOutcome | undefined;
}

/** Published on `session_host:scope.close` when the host closes instance scopes. */
export interface ScopeCloseMessage {
  /** The raw scopes (directories) being closed. */
  scopes: readonly string[];
}

/**
 * Published by the package on `session_host:close` when a run's close is decided: what
 * `runCloseHook` is handed, plus how the run ended. Bounded, content-free.
 */
export interface CloseChannelMessage extends RunCloseInfo {
  readonly outcome: RecordedOutcome;
}

/** Published by the package on `session_host:action.end` when a lifecycle action ends. */
export interface ActionEndChannelMessage {
  readonly actionId: string;
  readonly kind: string;
  readonly runsInterrupted: number;
  readonly outcome: 'ok' | 'error';
  readonly timedOut: boolean;
}
