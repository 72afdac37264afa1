// The package's one guard (../guard.ts) for the set-up's asynchronous work: a rejection is
// reported on the component logger exactly as a throw is, and the caller gets the fallback.
import { guarded } from '../guard.js';

/** Awaits `work()`; if it throws or rejects, reports `what` failed on diag and returns `fallback`. */
export async function guardedAsync<T>(what: string, work: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    return guarded(
      what,
      () => {
        throw error;
      },
      fallback,
    );
  }
}
