// One abort listener per AbortSignal, shared by every run on it and removed when its last run ends:
// a signal shared by a thousand runs gets one listener (no MaxListenersExceededWarning in the
// host's logs), and a run costs no closure. The listener is one function for all signals; it finds
// the runs of the signal that fired through a WeakMap, so nothing here keeps a signal alive.
import { errorFingerprint } from '../redact.js';
import { logger } from '../log.js';
import type { TrackedRun } from './state.js';

type Listeners = TrackedRun | Set<TrackedRun>;
const runsBySignal = new WeakMap<AbortSignal, Listeners>();

function onAbort(this: AbortSignal): void {
  const listeners = runsBySignal.get(this);
  if (listeners === undefined) return;
  if (!(listeners instanceof Set)) return listeners.interrupted();
  for (const run of [...listeners]) run.interrupted();
}

/** Listens to `signal` for `run`; `false` when the signal cannot be listened to. */
export function listen(run: TrackedRun, signal: AbortSignal): boolean {
  const listeners = runsBySignal.get(signal);
  if (listeners === undefined) {
    try {
      signal.addEventListener('abort', onAbort);
    } catch (error) {
      logger.warn(`trackRun: the signal could not be listened to (${errorFingerprint(error)}); use run.interrupted()`);
      return false;
    }
    runsBySignal.set(signal, run);
  } else if (listeners instanceof Set) {
    listeners.add(run);
  } else {
    runsBySignal.set(signal, new Set([listeners, run]));
  }
  return true;
}

/** Stops listening for `run`; the signal's listener goes with its last run. */
export function unlisten(run: TrackedRun, signal: AbortSignal): void {
  const listeners = runsBySignal.get(signal);
  if (listeners === undefined) return;
  if (listeners instanceof Set) {
    listeners.delete(run);
    if (listeners.size > 0) return;
  } else if (listeners !== run) {
    return;
  }
  runsBySignal.delete(signal);
  try {
    signal.removeEventListener('abort', onAbort);
  } catch {
    // a signal-like object that cannot remove listeners holds nothing of ours that matters
  }
}
