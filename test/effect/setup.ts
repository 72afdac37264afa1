// Shared set-up of the Effect adapter tests: the in-memory harness, and small Effect programs.
import { Effect } from 'effect';
import { setup, type Harness } from '../utils/harness.js';

export { setup };
export type EffectHarness = Harness;

/** The effect version this project runs on: '4.0.0', '4.0.0-beta.48', or 'newest'. */
export const EFFECT_UNDER_TEST = process.env.EFFECT_UNDER_TEST ?? 'newest';

/** Lets every fiber that can make progress do so (forked fibers start on a later tick). */
export const settle = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)));

/** The classification and provenance the run span of `runId` records. */
export function closeOf(h: EffectHarness, runId: string) {
  const span = h.runSpan(runId);
  return {
    classification: span.attributes['session_host.close.classification'],
    provenance: span.attributes['session_host.close.provenance'],
    actionId: span.attributes['session_host.lifecycle.action.id'],
  };
}
