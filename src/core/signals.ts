// One abort listener per AbortSignal, shared by every run on it and removed once its last run has
// ended: a signal shared by a thousand runs gets one listener (no MaxListenersExceededWarning in
// the host's logs), and a run costs no closure. The listener is one function for all signals; it
// finds the runs of the signal that fired as `last` (the signal listened to last) or through a
// WeakMap, so nothing here keeps a signal alive.
// A signal goes into the WeakMap only when another signal takes its place as `last` while its entry
// must stay findable (`mustStayFindable`: it still has runs, or it is a signal-like object waiting
// to be let go): a host that gives each run its own controller, one run after another, never
// touches the WeakMap, and a host that runs many runs on one signal finds it as `last`.
// A signal whose last run ends is let go at the end of the current task, not at once: a host that
// runs one run after another on a long-lived signal does not add and remove a listener each time.
import { reportFailure } from '../guard.js';
import { isNativeSignal } from '../host-input.js';
import type { Listening, RunRecord } from './records.js';

const bySignal = new WeakMap<AbortSignal, Listening>();
/** Signals whose last run ended, each followed by its entry: let go at the end of the task. */
const emptied: Array<AbortSignal | Listening> = [];
/**
 * Signals in the WeakMap, and below how many an aborted one is deleted at once. A few are, so the
 * table does not grow with aborted signals that wait for a full GC. A dispose-all over 100,000
 * signals leaves theirs to the GC: deleting one entry per run from a table that size made such a
 * fan-out about a quarter slower on Node 24 (1,070 against 850 ms, alternating with small ones).
 */
const PROMPT_DELETE_BELOW = 1024;
let indexed = 0;
/** The signal listened to last, and its entry (in the WeakMap only once `indexed`). */
let lastSignal: AbortSignal | undefined;
let lastEntry: Listening | undefined;

/** The entry of a signal the package listens to, if any. */
function entryOf(signal: AbortSignal): Listening | undefined {
  return signal === lastSignal ? lastEntry : bySignal.get(signal);
}

/**
 * The signal's entry leaves both places it can be found. `aborted`: an aborted signal's entry is
 * only marked, and left to the GC, while many signals are indexed (see PROMPT_DELETE_BELOW).
 */
function forget(signal: AbortSignal, entry: Listening, aborted: boolean): void {
  if (signal === lastSignal) lastSignal = lastEntry = undefined;
  if (!entry.indexed) return;
  entry.indexed = false;
  indexed--;
  if (!aborted || indexed < PROMPT_DELETE_BELOW) bySignal.delete(signal);
}

/** Makes `signal` the last one; the one it replaces stays findable while it must (`mustStayFindable`). */
function makeLast(signal: AbortSignal, entry: Listening): void {
  const previous = lastEntry;
  if (previous !== undefined && previous !== entry && !previous.indexed && mustStayFindable(lastSignal!, previous)) {
    previous.indexed = true;
    indexed++;
    bySignal.set(lastSignal!, previous);
  }
  lastSignal = signal;
  lastEntry = entry;
}

/**
 * An entry with runs, for its signal's abort to find them. One that only waits to be let go, for a
 * new run on its signal to find, unless the signal is a native AbortSignal: adding the same
 * listener to one again is a no-op, while a signal-like object may keep both and lose one.
 */
function mustStayFindable(signal: AbortSignal, entry: Listening): boolean {
  return entry.runs !== undefined || (entry.queued && !isNativeSignal(signal));
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
  const entry = entryOf(this);
  if (entry === undefined) return;
  forget(this, entry, true);
  entry.aborted = true;
  const { runs } = entry;
  if (runs === undefined) return;
  if (runs instanceof Set) for (const run of [...runs]) run.owner.interrupt(run, undefined);
  else runs.owner.interrupt(runs, undefined);
}

function letGo(): void {
  const queue = emptied.splice(0);
  for (let i = 0; i < queue.length; i += 2) {
    const signal = queue[i] as AbortSignal;
    const entry = queue[i + 1] as Listening;
    entry.queued = false;
    if (entry.runs !== undefined || entry.aborted) continue;
    const current = entryOf(signal);
    // A newer entry took the signal over (this one was no longer findable): the listener is its.
    if (current !== undefined && current !== entry) continue;
    forget(signal, entry, false);
    stopListening(signal);
  }
}

/** Listens to `signal` for `run`; `undefined` when the signal cannot be listened to. */
export function listen(run: RunRecord, signal: AbortSignal): Listening | undefined {
  let entry = entryOf(signal);
  if (entry === undefined) {
    try {
      // One function for every signal: adding it again to a signal that still has it is a no-op.
      signal.addEventListener('abort', onAbort);
    } catch (error) {
      // Caught inline, not through `guarded`: a host with a controller per run adds one per run.
      reportFailure('trackRun: listening to the signal (use run.interrupted())', error);
      return undefined;
    }
    entry = { runs: run, queued: false, aborted: false, indexed: false };
  } else if (entry.runs === undefined) {
    entry.runs = run;
  } else if (entry.runs instanceof Set) {
    entry.runs.add(run);
  } else {
    entry.runs = new Set([entry.runs, run]);
  }
  if (signal !== lastSignal) makeLast(signal, entry);
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
  if (emptied.push(signal, entry) === 2) queueMicrotask(letGo);
}
