// The package's diag component logger, for the Effect adapter: every problem it meets goes here,
// never to the host. Each distinct problem is logged once, so a hot path cannot flood the log.
import { diag } from '@opentelemetry/api';
import { PACKAGE_NAME } from '../index.js';

const logger = diag.createComponentLogger({ namespace: PACKAGE_NAME });
const MAX_REMEMBERED = 256;
const reported = new Set<string>();

/** Reports `message` on the diag logger at `level`, once per distinct message (bounded memory). */
export function reportOnce(level: 'warn' | 'error', message: string): void {
  if (reported.has(message)) return;
  if (reported.size >= MAX_REMEMBERED) reported.clear();
  reported.add(message);
  logger[level](`effect: ${message}`);
}

/** A bounded, content-free description of a value a host handed in: its type, never its contents. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** The bounded name of a thrown value: an Error's name, else its type. */
export function nameOf(error: unknown): string {
  return error instanceof Error ? error.name.slice(0, 40) : describe(error);
}

/** Runs a call into the instrumentation; a throw is reported, never passed to the host. */
export function guarded(what: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    reportOnce('error', `${what} threw (${nameOf(error)}); ignored`);
  }
}
