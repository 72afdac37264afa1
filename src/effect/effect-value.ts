// Whether a value a host hands in (or a host function returned) is an Effect, read through the one
// guard: a value whose property traps throw is reported on diag and read as not an Effect, so it is
// passed through instead of throwing into the host.
import { Effect } from 'effect';
import { guarded } from '../guard.js';

export function isEffectValue(value: unknown): value is Effect.Effect<unknown, unknown, unknown> {
  return guarded('reading whether a value is an Effect', () => Effect.isEffect(value), false);
}
