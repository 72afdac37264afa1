// Calling code from outside every action: a timer whose async context was captured when this
// module loaded, before any action started.
const outsideQueue: Array<() => void> = [];
const outsideTimer = setInterval(() => {
  while (outsideQueue.length > 0) outsideQueue.shift()!();
}, 1);
outsideTimer.unref();

/** Runs `fn` soon, from the outside timer's context (no action active). */
export function runOutside(fn: () => void): void {
  outsideQueue.push(fn);
}

/** Calls `fn` from the outside timer's context, returning its result. */
export function outsideRun<T>(fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => outsideQueue.push(() => fn().then(resolve, reject)));
}
