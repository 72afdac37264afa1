// The one guard around host code the package calls (hooks, scopeOf, detailsOf) and around the
// package's own recording: whatever throws is reported on the diag logger and never reaches the host.
import { logger } from './log.js';
import { errorFingerprint } from './redact.js';

/** Runs `fn`; if it throws, reports `what` failed on diag and returns `fallback`. */
export function guarded<T>(what: string, fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (error) {
    reportFailure(what, error);
    return fallback;
  }
}

/** What `guarded` reports; for the per-run paths, which catch inline rather than make a closure per run. */
export function reportFailure(what: string, error: unknown): void {
  logger.error(`${what} failed (${errorFingerprint(error)}); ignored`);
}
