// Public types of the Effect adapter. The adapter takes the lifecycle instrumentation by the few
// methods it uses, so the kind type of a host's `SessionLifecycleInstrumentation<K>` carries over.
import type { ActionHandle, ActionOptions, RunHandle, TrackRunOptions } from '../types.js';

export type { ActionHandle, ActionOptions, ActionResult, RunHandle, TrackRunOptions } from '../types.js';

/**
 * What the adapter uses of a `SessionLifecycleInstrumentation`: pass the instrumentation itself.
 * `K` is the kind type its `begin` accepts (built-in kinds plus the host's declared kinds).
 */
export interface EffectLifecycle<K extends string = string> {
  begin(kind: K, options?: ActionOptions): ActionHandle;
  trackRun(options: TrackRunOptions): RunHandle;
  closeScope(rawScope: string): number;
}

/** Per-call options of a wrapped service method, read from its name and arguments. */
export interface EffectServiceOptions {
  /**
   * The raw scopes (directories) a call targets. Default (also when this answers `undefined` or
   * throws): from the first argument, when it is a directory string, an object with a string
   * `directory`, or an array of those (at most 4096, as `instrumentStore` reads them); else none.
   */
  scopeOf?: ((methodName: string, args: readonly unknown[]) => string | readonly string[] | undefined) | undefined;
  /** The call's bounded `reason` and `origin` tokens (e.g. `config_change`, `http`). */
  actionOptionsOf?: ((methodName: string, args: readonly unknown[]) => CallTokens | undefined) | undefined;
}

/** The bounded tokens of one call: why (`config_change`, `idle`) and who asked (`http`, `timer`). */
export type CallTokens = Pick<ActionOptions, 'reason' | 'origin'>;

/** Which methods of an Effect service are lifecycle actions, and of which kind. */
export type EffectMethodKinds<S, K extends string> = {
  [M in keyof S]?: S[M] extends (...args: never[]) => unknown ? K : never;
};
