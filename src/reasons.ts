// Abort reasons a host passes to `controller.abort(reason)` to say why it aborts a run: the package
// reads them when the abort fires. Each is an Error named `AbortError`, so host code that checks
// `error.name === 'AbortError'` keeps working. Unknown reasons change nothing.
import { readProperty } from './host-input.js';
import { isLifecycleKind } from './tokens.js';

const MEANING = Symbol.for('otel-session-lifecycle.abort-reason');

/** What a reason says: a user's cancel, or a lifecycle close of a kind. */
export type ReasonMeaning = { readonly userCancel: true } | { readonly userCancel: false; readonly kind: string };

class LifecycleAbortReason extends Error {
  declare readonly [MEANING]: ReasonMeaning;
  constructor(message: string, meaning: ReasonMeaning) {
    super(message);
    this.name = 'AbortError';
    Object.defineProperty(this, MEANING, { value: Object.freeze(meaning) });
  }
}

/** The reason for an abort that is a user's cancel: the run is classified `user_cancel`. */
export function userCancel(): Error {
  return new LifecycleAbortReason('the user cancelled the run', { userCancel: true });
}

/**
 * The reason for an abort that is a lifecycle close of `kind` with no action open to name it: the
 * run gets that kind's classification (an action that is open still wins). A `kind` that is not a
 * token is recorded as `unknown_kind`.
 */
export function lifecycleClose(kind: string): Error {
  const meaning: ReasonMeaning = { userCancel: false, kind: isLifecycleKind(kind) ? kind : 'unknown_kind' };
  return new LifecycleAbortReason('the run was closed by a lifecycle action', meaning);
}

/** The meaning of an abort reason made by the helpers above, if it is one. */
export function meaningOf(reason: unknown): ReasonMeaning | undefined {
  if ((typeof reason !== 'object' && typeof reason !== 'function') || reason === null) return undefined;
  const meaning = readProperty(reason, MEANING);
  return typeof meaning === 'object' && meaning !== null ? (meaning as ReasonMeaning) : undefined;
}

/**
 * `true` for an error that says its run was interrupted: an `AbortError`, the run signal's own
 * reason, or an Effect fiber's interruption (an error caused by Effect's `InterruptCause`). A run
 * that ends with one before any interrupt was seen was interrupted all the same.
 */
export function isInterruptError(error: unknown, signal: AbortSignal | undefined): boolean {
  if ((typeof error !== 'object' && typeof error !== 'function') || error === null) return false;
  if (signal !== undefined && readProperty(signal, 'reason') === error) return true;
  if (readProperty(error, 'name') === 'AbortError') return true;
  const cause = readProperty(error, 'cause');
  return typeof cause === 'object' && cause !== null && readProperty(cause, 'name') === 'InterruptCause';
}
