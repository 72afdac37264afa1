// The instrumentation's configuration: a guarded copy of what the host passed, and the validated
// settings the core runs on. Bad values fall back to their defaults with a diag warning.
import { KindSet } from './core/classification.js';
import type { Settings } from './core/settings.js';
import { countOption, readProperty } from './host-input.js';
import { logger } from './log.js';
import type { SessionLifecycleConfig } from './types.js';

const DEFAULTS = {
  maxClosedRunSpansPerAction: 1000,
  maxScopeKeysPerAction: 64,
  recentCloses: 100,
  interruptGraceMs: 30_000,
  maxRunAgeMs: 0,
  lateCloseWindowMs: 60_000,
  maxActionAgeMs: 600_000,
} as const;
const MAX_RECENT_CLOSES = 10_000;

const CONFIG_KEYS = [
  'enabled',
  'kinds',
  ...(Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>),
  'recordConversationId',
  'actionHook',
  'runCloseHook',
] as const satisfies ReadonlyArray<keyof SessionLifecycleConfig<string>>;

/** A plain copy of the known options: a getter that throws reads as unset, anything else is ignored. */
export function copyConfig<K extends string>(config: unknown): SessionLifecycleConfig<K> {
  const copy: Record<string, unknown> = {};
  if (typeof config !== 'object' || config === null) {
    if (config !== undefined) logger.warn(`config must be an object (got ${typeof config}); using the defaults`);
    return copy;
  }
  for (const key of CONFIG_KEYS) {
    const value = readProperty(config, key);
    if (value !== undefined) copy[key] = value;
  }
  return copy as SessionLifecycleConfig<K>;
}

function hook<H>(name: string, value: H | undefined): H | undefined {
  if (value === undefined || typeof value === 'function') return value;
  logger.warn(`${name} must be a function; ignored`);
  return undefined;
}

/** The validated settings of a (copied) config. */
export function settingsOf(config: SessionLifecycleConfig<string>): Settings {
  const counts = {} as Record<keyof typeof DEFAULTS, number>;
  for (const name of Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>) {
    const { value, problem } = countOption(config[name], DEFAULTS[name]);
    if (problem !== undefined) logger.warn(`${name}: ${problem}`);
    counts[name] = value;
  }
  if (counts.recentCloses > MAX_RECENT_CLOSES) {
    logger.warn(`recentCloses: at most ${MAX_RECENT_CLOSES}`);
    counts.recentCloses = MAX_RECENT_CLOSES;
  }
  const kinds = new KindSet(config.kinds);
  for (const problem of kinds.problems) logger.warn(problem);
  return {
    ...counts,
    recordConversationId: config.recordConversationId === true,
    kinds,
    actionHook: hook('actionHook', config.actionHook),
    runCloseHook: hook('runCloseHook', config.runCloseHook),
  };
}
