// An Effect service whose methods return Effects (an instance store built by a Layer): each mapped
// method's returned Effect runs as a lifecycle action, from its start to its exit. Effect services
// are values, often read-only: the wrapper returns a new service and leaves the original untouched.
import { Effect } from 'effect';
import { guarded } from '../guard.js';
import { describeInput, readOption, scopesAnswered, scopesIn } from '../host-input.js';
import { withLifecycleAction } from './action.js';
import { reportOnce } from './report.js';
import type { ActionOptions, EffectLifecycle, EffectMethodKinds, EffectServiceOptions } from './types.js';

type Method = (this: unknown, ...args: unknown[]) => unknown;

type Args = readonly unknown[];

type Options = EffectServiceOptions | undefined;

/**
 * The scopes of a call: what `scopeOf` answers; with no `scopeOf`, or when it answers `undefined`
 * (or throws), the default scopes of the first argument (a directory, `{ directory }`, or an array
 * of those), read as `instrumentStore` reads them.
 */
function scopesOf(method: string, args: Args, options: Options): readonly string[] {
  const scopeOf = options?.scopeOf;
  if (scopeOf !== undefined) {
    const { scopes, problem } = scopesAnswered(
      guarded(`scopeOf for ${method}`, () => scopeOf(method, args), undefined),
    );
    if (problem !== undefined) reportOnce('warn', `scopeOf for ${method} ${problem}`);
    if (scopes !== undefined) return scopes;
  }
  return scopesIn(args[0]);
}

function callOptions(method: string, args: Args, options: Options): ActionOptions {
  const scopes = scopesOf(method, args, options);
  const tokensOf = options?.actionOptionsOf;
  const extra =
    tokensOf === undefined
      ? undefined
      : guarded(`actionOptionsOf for ${method}`, () => tokensOf(method, args), undefined);
  const reason = readOption(extra, 'reason');
  const origin = readOption(extra, 'origin');
  const result: ActionOptions = {};
  if (scopes.length > 0) result.scopes = scopes;
  if (typeof reason === 'string') result.reason = reason;
  if (typeof origin === 'string') result.origin = origin;
  return result;
}

/**
 * Returns a copy of `service` in which each method named in `methods` runs the Effect it returns
 * as a lifecycle action of the mapped kind (see `withLifecycleAction`): the action covers the
 * Effect's execution, not the call that builds it. Scopes come from the call's arguments (see
 * `EffectServiceOptions.scopeOf`). A method that returns something other than an Effect is
 * reported on the diag logger and its value passes through. Throws a `TypeError` at set-up when
 * `service` is not an object or names a method it does not have, like `instrumentStore`.
 */
export function instrumentEffectService<K extends string, S extends object>(
  lifecycle: EffectLifecycle<K>,
  service: S,
  methods: EffectMethodKinds<S, NoInfer<K>>,
  options?: EffectServiceOptions,
): S {
  if (typeof service !== 'object' || service === null) {
    throw new TypeError(`instrumentEffectService needs the service object, got ${describeInput(service)}`);
  }
  if (typeof methods !== 'object' || methods === null) {
    throw new TypeError('instrumentEffectService needs a map of method name to lifecycle kind');
  }
  const entries = Object.entries(methods as Record<string, unknown>);
  for (const [method, kind] of entries) {
    if (typeof kind !== 'string') throw new TypeError(`instrumentEffectService ${method}: the kind must be a string`);
    if (typeof (service as Record<string, unknown>)[method] !== 'function') {
      throw new TypeError(`instrumentEffectService: the service has no method ${method}`);
    }
  }
  const descriptors = Object.getOwnPropertyDescriptors(service) as Record<string, PropertyDescriptor>;
  let copy: S | undefined;
  for (const [method, kind] of entries) {
    const original = (service as Record<string, Method>)[method]!;
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      const value = original.apply(this === copy ? service : this, args);
      if (!Effect.isEffect(value)) {
        const what = `instrumentEffectService: ${method} returned ${describeInput(value)}`;
        reportOnce('warn', `${what}, not an Effect; passed through`);
        return value;
      }
      return withLifecycleAction(lifecycle, kind as K, callOptions(method, args, options))(value);
    };
    Object.defineProperty(wrapped, 'name', { value: original.name, configurable: true });
    Object.defineProperty(wrapped, 'length', { value: original.length, configurable: true });
    descriptors[method] = { value: wrapped, writable: true, configurable: true, enumerable: true };
  }
  copy = Object.create(Object.getPrototypeOf(service) as object | null, descriptors) as S;
  return copy;
}
