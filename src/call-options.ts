// The action options of one call of a wrapped function or store method, read from its arguments:
// the host's `scopeOf` and `detailsOf` when given (guarded), else the default scopes of the first
// argument. A `scopeOf` that answers `undefined` falls back to the default scopes too, so a mapping
// written for one method cannot leave the others with no scope (and every close unexplained).
import { guarded } from './guard.js';
import { isEffectLike, readOption, scopesIn } from './host-input.js';
import { logger } from './log.js';
import type { ActionOptions } from './types.js';
import { PACKAGE_NAME } from './version.js';

export type ScopeOf = (args: readonly unknown[]) => string | readonly string[] | undefined;
export type DetailsOf = (args: readonly unknown[]) => Pick<ActionOptions, 'reason' | 'origin'> | undefined;

/** An optional `scopeOf` / `detailsOf` option of `who`: a function or absent; a set-up `TypeError` else. */
export function optionalFunction<T>(options: unknown, name: 'scopeOf' | 'detailsOf', who: string): T | undefined {
  const value = readOption(options, name);
  if (value === undefined || typeof value === 'function') return value as T | undefined;
  throw new TypeError(`${PACKAGE_NAME}: ${who} options.${name} must be a function`);
}

export function callOptions(
  name: string,
  scopeOf: ScopeOf | undefined,
  detailsOf: DetailsOf | undefined,
  args: readonly unknown[],
): ActionOptions {
  const chosen = scopeOf === undefined ? undefined : guarded(`scopeOf for ${name}`, () => scopeOf(args), undefined);
  const scopes = chosen === undefined ? scopesIn(args[0]) : typeof chosen === 'string' ? [chosen] : chosen;
  const details =
    detailsOf === undefined ? undefined : guarded(`detailsOf for ${name}`, () => detailsOf(args), undefined);
  return {
    scopes,
    reason: readOption(details, 'reason') as string | undefined,
    origin: readOption(details, 'origin') as string | undefined,
  };
}

const warnedEffect = new Set<string>();

/**
 * A wrapped call that returned an Effect ended its action when it returned, before the Effect ran:
 * says so once per name, and where the adapter that follows an Effect is.
 */
export function warnIfEffect(name: string, result: unknown): void {
  if (!isEffectLike(result) || warnedEffect.has(name) || warnedEffect.size >= 256) return;
  warnedEffect.add(name);
  logger.warn(
    `${name} returned an Effect: its lifecycle action ended before the Effect ran, so its closes are not ` +
      `attributed to it. Wrap Effect-returning functions with otel-session-lifecycle/effect instead.`,
  );
}
