// One abort listener per AbortSignal, shared by every run on it and removed once its last run has
// ended: a signal shared by a thousand runs gets one listener (no MaxListenersExceededWarning in
// the host's logs), and a run costs no closure. The listener is one function for all signals; it
// finds the runs of the signal that fired through a WeakMap, so nothing here keeps a signal alive.
// A signal whose last run ends is let go at the end of the current task, not at once: a host that
// runs one run after another on a long-lived signal does not add and remove a listener each time.
import { reportFailure } from '../guard.js';
import type { Listening, RunRecord } from './records.js';

const bySignal = new WeakMap<AbortSignal, Listening>();
const emptied: AbortSignal[] = [];
/** The signal listened to last, and its entry: a host that runs many runs on one signal skips the WeakMap. */
let lastSignal: AbortSignal | undefined;
let lastEntry: Listening | undefined;

function forget(signal: AbortSignal): void {
  if (signal === lastSignal) lastSignal = lastEntry = undefined;
}

/** Removes the listener; a signal-like object that cannot holds nothing of ours that matters. */
function stopListening(signal: AbortSignal): void {
  try {
    signal.removeEventListener('abort', onAbort);
  } catch (error) {
    reportFailure('removing an abort listener', error);
  }
}

function onAbort(this: AbortSignal): void {
  // A signal aborts once: its listener goes now, so no run's end has to remove it (a dispose-all
  // aborts a signal per run). Not the `once` option: parsing it makes every add slower.
  stopListening(this);
  forget(this);
  const entry = bySignal.get(this);
  if (entry === undefined) return;
  entry.aborted = true;
  const { runs } = entry;
  if (runs === undefined) return;
  if (runs instanceof Set) for (const run of [...runs]) run.owner.interrupt(run, undefined);
  else runs.owner.interrupt(runs, undefined);
}

function letGo(): void {
  for (const signal of emptied.splice(0)) {
    const entry = bySignal.get(signal);
    if (entry === undefined) continue;
    entry.queued = false;
    if (entry.runs !== undefined) continue;
    bySignal.delete(signal);
    forget(signal);
    stopListening(signal);
  }
}

/** Listens to `signal` for `run`; `undefined` when the signal cannot be listened to. */
export function listen(run: RunRecord, signal: AbortSignal): Listening | undefined {
  let entry = signal === lastSignal ? lastEntry : bySignal.get(signal);
  if (entry === undefined) {
    try {
      signal.addEventListener('abort', onAbort);
    } catch (error) {
      // Caught inline, not through `guarded`: a host with a controller per run adds one per run.
      reportFailure('trackRun: listening to the signal (use run.interrupted())', error);
      return undefined;
    }
    entry = { runs: run, queued: false, aborted: false };
    bySignal.set(signal, entry);
  } else if (entry.runs === undefined) {
    entry.runs = run;
  } else if (entry.runs instanceof Set) {
    entry.runs.add(run);
  } else {
    entry.runs = new Set([entry.runs, run]);
  }
  lastSignal = signal;
  lastEntry = entry;
  return entry;
}

/** Stops listening for `run` (on `entry`, what `listen` gave it); the listener goes with the last run. */
export function unlisten(run: RunRecord, entry: Listening, signal: AbortSignal): void {
  const { runs } = entry;
  if (runs instanceof Set) {
    runs.delete(run);
    if (runs.size > 0) return;
  } else if (runs !== run) {
    return;
  }
  entry.runs = undefined;
  // An aborted signal has already dropped its listener (onAbort): nothing to remove.
  if (entry.queued || entry.aborted) return;
  entry.queued = true;
  if (emptied.push(signal) === 1) queueMicrotask(letGo);
}
