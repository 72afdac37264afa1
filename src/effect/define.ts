// An Effect-returning function made a lifecycle action where it is defined (`defineEffectAction`),
// the Effect twin of the main entry's `lifecycle.defineAction`: every Effect a call returns runs as
// one action from its start to its exit, so callers that never see an instrumented service (a
// promise facade, a layer finalizer, an internal reload) are covered by construction.
import { callOptions, optionalFunction, type DetailsOf, type ScopeOf } from '../call-options.js';
import { describeInput, readOption } from '../host-input.js';
import { describeKind } from '../tokens.js';
import { PACKAGE_NAME } from '../version.js';
import { isEffectValue } from './effect-value.js';
import { withLifecycleAction } from './action.js';
import { reportOnce } from './report.js';
import type { DefineActionOptions, EffectFunction, EffectLifecycle } from './types.js';

function checkSetUp(lifecycle: unknown, kind: unknown, fn: unknown): void {
  const begin = readOption(lifecycle, 'begin');
  if (typeof begin !== 'function') {
    throw new TypeError(
      `${PACKAGE_NAME}: defineEffectAction needs the instrumentation, got ${describeInput(lifecycle)}`,
    );
  }
  if (typeof kind !== 'string') throw new TypeError(`${PACKAGE_NAME}: defineEffectAction: the kind must be a string`);
  if (typeof fn !== 'function') {
    throw new TypeError(`${PACKAGE_NAME}: defineEffectAction(lifecycle, kind, fn) needs a function`);
  }
}

/**
 * Returns `fn` made a lifecycle action of `kind` where it is defined: each call returns the Effect
 * `fn` returns, run as one action from its start to its exit (see `withLifecycleAction`; inside an
 * action the fiber already works for, it joins it). Every caller goes through it, including the
 * host's own internal callers. A call's scopes are what `options.scopeOf(args)` answers, else (also
 * when it answers `undefined`) the default scopes of the first argument (a directory,
 * `{ directory }`, or an array of those); `options.detailsOf(args)` gives `reason` and `origin`.
 * `this`, arguments, values, failures and interruptions pass through; a call that returns no Effect
 * is reported on the diag logger and its value passed through. Throws a `TypeError` at set-up for
 * what is not the instrumentation, a kind that is not a string, or a `fn` or option that is not a
 * function.
 */
export function defineEffectAction<K extends string, F extends EffectFunction>(
  lifecycle: EffectLifecycle<K>,
  kind: NoInfer<K>,
  fn: F,
  options?: DefineActionOptions<Parameters<F>>,
): F {
  checkSetUp(lifecycle, kind, fn);
  const scopeOf = optionalFunction<ScopeOf>(options, 'scopeOf', 'defineEffectAction');
  const detailsOf = optionalFunction<DetailsOf>(options, 'detailsOf', 'defineEffectAction');
  const name = `defineEffectAction ${describeKind(kind)}`;
  const defined = function (this: unknown, ...args: unknown[]): unknown {
    const value: unknown = (fn as unknown as (...a: unknown[]) => unknown).apply(this, args);
    if (!isEffectValue(value)) {
      reportOnce('warn', `${name}: the function returned ${describeInput(value)}, not an Effect; passed through`);
      return value;
    }
    return withLifecycleAction(lifecycle, kind, callOptions(name, scopeOf, detailsOf, args))(value);
  };
  Object.defineProperty(defined, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(defined, 'length', { value: fn.length, configurable: true });
  return defined as unknown as F;
}
