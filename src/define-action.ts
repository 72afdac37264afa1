// A function made a lifecycle action where it is defined (`defineAction`): the returned function
// runs every call as an action of its kind, so callers that never see an instrumented store (a
// facade, a finalizer, an internal reload) are covered by construction.
import { callOptions, optionalFunction, warnIfEffect, type DetailsOf, type ScopeOf } from './call-options.js';
import { logger } from './log.js';
import { describeKind } from './tokens.js';
import type { ActionOptions } from './types.js';
import { PACKAGE_NAME } from './version.js';

/** Runs `call` as an action with these options (or just calls it while recording is off). */
export type ActionCaller = (options: ActionOptions, call: () => unknown) => unknown;

export function defineAction<F extends (...args: never[]) => unknown>(
  caller: ActionCaller,
  kind: unknown,
  fn: F,
  options: unknown,
  isDeclared: () => boolean,
): F {
  if (typeof fn !== 'function') throw new TypeError(`${PACKAGE_NAME}: defineAction(kind, fn) needs a function`);
  const scopeOf = optionalFunction<ScopeOf>(options, 'scopeOf', 'defineAction');
  const detailsOf = optionalFunction<DetailsOf>(options, 'detailsOf', 'defineAction');
  if (!isDeclared()) {
    logger.error(
      `defineAction: the kind ${describeKind(kind)} is not declared in config.kinds; calls record unknown_kind`,
    );
  }
  const name = `defineAction ${describeKind(kind)}`;
  const defined = function (this: unknown, ...args: unknown[]): unknown {
    const result = caller(callOptions(name, scopeOf, detailsOf, args), () =>
      (fn as unknown as (...a: unknown[]) => unknown).apply(this, args),
    );
    warnIfEffect(name, result);
    return result;
  };
  Object.defineProperty(defined, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(defined, 'length', { value: fn.length, configurable: true });
  return defined as unknown as F;
}
