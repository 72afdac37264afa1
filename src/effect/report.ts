// The Effect adapter's reports of bad input and of what it cannot see, on the package's one diag
// logger: each distinct message once (a hot path cannot flood the log), in bounded memory. Messages
// carry only types, bounded tokens and error fingerprints, never a host's values.
import { logger } from '../log.js';

const MAX_REMEMBERED = 256;
const reported = new Set<string>();

/** Reports `message` on the diag logger at `level`, once per distinct message. */
export function reportOnce(level: 'warn' | 'error', message: string): void {
  if (reported.has(message)) return;
  if (reported.size >= MAX_REMEMBERED) reported.clear();
  reported.add(message);
  logger[level](`effect: ${message}`);
}
