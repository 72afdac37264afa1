// One abort listener per AbortSignal, shared by every run on it and removed once its last run has
// ended: a signal shared by a thousand runs gets one listener (no MaxListenersExceededWarning in
// the host's logs), and a run costs no closure. The listener is one function for all native
// signals (a signal-like object, which may call it without `this`, gets one of its own); it
// finds the runs of the signal that fired as `last` (the signal listened to last) or through a
// table of signals. A signal goes into a table only when another signal takes its place as `last`
// while its entry must stay findable (`mustStayFindable`: it still has runs, or it is a signal-like
// object waiting to be let go), and leaves it when the signal aborts or the entry is let go: a
// host that gives each run its own controller, one run after another, never touches the tables,
// and a host that runs many runs on one signal finds it as `last`.
// Two tables: a `WeakMap` for the first 1,024 signals, a `Map` for more (a dispose-all over many
// runs with a controller each). With 100,000 signals in a `WeakMap` every garbage collection of
// the fan-out is slower (its entries are weak); a `Map` as the only table keeps signals it has
// dropped alive until the next full GC (the tables it grows and shrinks through are not weak), and
// with them Node's tables of `DOMException`s grow by a MiB or two. The `Map` takes only entries
// whose runs their scopes' lists keep anyway (`keptElsewhere`): nothing here keeps a signal alive
// longer than the package keeps its runs.
// A signal whose last run ends is let go at the end of the current task, not at once: a host that
// runs one run after another on a long-lived signal does not add and remove a listener each time.
import { reportFailure } from '../guard.js';
import { isNativeSignal } from '../host-input.js';
import type { Listening, RunRecord } from './records.js';

const bySignal = new WeakMap<AbortSignal, Listening>();
const overflow = new Map<AbortSignal, Listening>();
/**
 * Signals put in `bySignal` and not yet taken out, and how many it takes before `overflow` does.
 * One collected with a run its host never ended (and that had no scope) stays counted: that only
 * sends more signals to `overflow`.
 */
let weakCount = 0;
const WEAK_LIMIT = 1024;
/** Signals whose last run ended, each followed by its entry: let go at the end of the task. */
const emptied: Array<AbortSignal | Listening> = [];
/** The signal listened to last, and its entry (in a table only once `indexed`). */
let lastSignal: AbortSignal | undefined;
let lastEntry: Listening | undefined;

/** The entry of a signal the package listens to, if any. */
function entryOf(signal: AbortSignal): Listening | undefined {
  if (signal === lastSignal) return lastEntry;
  return bySignal.get(signal) ?? (overflow.size === 0 ? undefined : overflow.get(signal));
}

/** The signal's entry leaves both places it can be found. */
function forget(signal: AbortSignal, entry: Listening): void {
  if (signal === lastSignal) lastSignal = lastEntry = undefined;
  if (!entry.indexed) return;
  entry.indexed = false;
  if (bySignal.delete(signal)) weakCount--;
  else overflow.delete(signal);
}

/** Makes `signal` the last one; the one it replaces stays findable while it must (`mustStayFindable`). */
function makeLast(signal: AbortSignal, entry: Listening): void {
  const previous = lastEntry;
  if (previous !== undefined && previous !== entry && !previous.indexed && mustStayFindable(lastSignal!, previous)) {
    previous.indexed = true;
    if (weakCount < WEAK_LIMIT || !keptElsewhere(previous)) {
      weakCount++;
      bySignal.set(lastSignal!, previous);
    } else {
      overflow.set(lastSignal!, previous);
    }
  }
  lastSignal = signal;
  lastEntry = entry;
}

/**
 * The entry's runs are in their scopes' lists, which keep them (and so their signal) while they are
 * in flight anyway; or it has none, and is let go at the end of the task. Only such an entry goes
 * into the `Map`: a run with no scope that the host never ends is kept by nothing of ours.
 */
function keptElsewhere(entry: Listening): boolean {
  const { runs } = entry;
  if (runs === undefined) return true;
  if (!(runs instanceof Set)) return runs.scope !== undefined;
  for (const run of runs) if (run.scope === undefined) return false;
  return true;
}

/**
 * An entry with runs, for its signal's abort to find them. One that only waits to be let go, for a
 * new run on its signal to find, unless the signal is a native AbortSignal: adding the shared
 * listener to one again is a no-op, while a signal-like object given a second entry would get a
 * second listener of its own, and keep the first.
 */
function mustStayFindable(signal: AbortSignal, entry: Listening): boolean {
  return entry.runs !== undefined || (entry.queued && !isNativeSignal(signal));
}

/** Removes `listener`; a signal-like object that cannot holds nothing of ours that matters. */
function stopListening(signal: AbortSignal, listener: Listening['listener']): void {
  try {
    signal.removeEventListener('abort', listener);
  } catch (error) {
    reportFailure('removing an abort listener', error);
  }
}

/** The listener of every native signal: the runtime calls it with the signal as `this`. */
function onAbort(this: AbortSignal): void {
  // A signal aborts once: its listener goes now, so no run's end has to remove it (a dispose-all
  // aborts a signal per run). Not the `once` option: parsing it makes every add slower.
  stopListening(this, onAbort);
  aborted(this);
}

/**
 * The listener of a signal-like object, one of its own: such an object may call its listeners
 * without `this`, and cannot be relied on to add one function only once.
 */
function listenerOf(signal: AbortSignal): Listening['listener'] {
  const listener = (): void => {
    stopListening(signal, listener);
    aborted(signal);
  };
  return listener;
}

/** `signal` aborted: its runs are interrupted now, in the aborting context. */
function aborted(signal: AbortSignal): void {
  const entry = entryOf(signal);
  if (entry === undefined) return;
  forget(signal, entry);
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
    forget(signal, entry);
    stopListening(signal, entry.listener);
  }
}

/** Listens to `signal` for `run`; `undefined` when the signal cannot be listened to. */
export function listen(run: RunRecord, signal: AbortSignal): Listening | undefined {
  let entry = entryOf(signal);
  if (entry === undefined) {
    // One function for every native signal: adding it again to one that still has it is a no-op.
    const listener = isNativeSignal(signal) ? onAbort : listenerOf(signal);
    try {
      signal.addEventListener('abort', listener);
    } catch (error) {
      // Caught inline, not through `guarded`: a host with a controller per run adds one per run.
      reportFailure('trackRun: listening to the signal (use run.interrupted())', error);
      return undefined;
    }
    entry = { runs: run, queued: false, aborted: false, indexed: false, listener };
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
