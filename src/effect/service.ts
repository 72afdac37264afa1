// An Effect service whose methods return Effects (an instance store built by a Layer): each mapped
// method's returned Effect runs as a lifecycle action, from its start to its exit. Effect services
// are values, often read-only: the wrapper returns a new service and leaves the original untouched.
import { Effect } from 'effect';
import { withLifecycleAction } from './action.js';
import { describe, nameOf, reportOnce } from './log.js';
import type { ActionOptions, EffectLifecycle, EffectMethodKinds, EffectServiceOptions } from './types.js';

type Method = (this: unknown, ...args: unknown[]) => unknown;

function directoryOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    const directory = (value as { directory?: unknown }).directory;
    return typeof directory === 'string' ? directory : undefined;
  } catch {
    return undefined;
  }
}

/** The default scopes of a call: from its first argument (a directory, `{ directory }`, or an array of those). */
function defaultScopes(args: readonly unknown[]): readonly string[] | undefined {
  const first = args[0];
  if (Array.isArray(first)) {
    const found = first.map(directoryOf).filter((d): d is string => d !== undefined);
    return found.length > 0 ? found : undefined;
  }
  const directory = directoryOf(first);
  return directory === undefined ? undefined : [directory];
}

type Args = readonly unknown[];

type Options = EffectServiceOptions | undefined;

function scopesOf(method: string, args: Args, options: Options): readonly string[] | undefined {
  if (options?.scopeOf === undefined) return defaultScopes(args);
  let scopes: unknown;
  try {
    scopes = options.scopeOf(method, args);
  } catch (error) {
    reportOnce('error', `scopeOf threw for ${method} (${nameOf(error)}); no scopes`);
    return undefined;
  }
  if (scopes === undefined) return undefined;
  if (typeof scopes === 'string') return [scopes];
  if (Array.isArray(scopes)) return scopes.filter((s): s is string => typeof s === 'string');
  reportOnce('warn', `scopeOf for ${method} returned ${describe(scopes)}, not a string or string[]; ignored`);
  return undefined;
}

function callOptions(method: string, args: Args, options: Options): ActionOptions {
  const scopes = scopesOf(method, args, options);
  let extra: Pick<ActionOptions, 'reason' | 'origin'> | undefined;
  try {
    extra = options?.actionOptionsOf?.(method, args);
  } catch (error) {
    reportOnce('error', `actionOptionsOf threw for ${method} (${nameOf(error)}); ignored`);
  }
  const result: ActionOptions = {};
  if (scopes !== undefined) result.scopes = scopes;
  if (typeof extra?.reason === 'string') result.reason = extra.reason;
  if (typeof extra?.origin === 'string') result.origin = extra.origin;
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
    throw new TypeError(`instrumentEffectService needs the service object, got ${describe(service)}`);
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
        const what = `instrumentEffectService: ${method} returned ${describe(value)}`;
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
