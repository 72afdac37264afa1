import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { LifecycleMetrics } from './core/metrics.js';
import { Tracker, untrackedRun, type TrackerSettings } from './core/tracker.js';
import { countOption, readProperty } from './host-input.js';
import { logger } from './log.js';
import { errorFingerprint, INVALID_SCOPE_KEY } from './redact.js';
import { StorePatcher } from './store-patcher.js';
import type {
  ActionOptions,
  LifecycleSnapshot,
  InstrumentStoreOptions,
  LifecycleKind,
  RunHandle,
  SessionLifecycleConfig,
  StoreMethodKinds,
  TrackRunOptions,
} from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

const DEFAULT_MAX_CLOSED_RUN_SPANS = 1000;
const DEFAULT_MAX_SCOPE_KEYS = 64;
const DEFAULT_RECENT_CLOSES = 100;
const MAX_RECENT_CLOSES = 10_000;
const DEFAULT_INTERRUPT_GRACE_MS = 30_000;
const MAX_SNAPSHOT_ACTIONS = 50;

function settingsOf(config: SessionLifecycleConfig): TrackerSettings {
  const spans = countOption(config.maxClosedRunSpansPerAction, DEFAULT_MAX_CLOSED_RUN_SPANS);
  if (spans.problem !== undefined) logger.warn(`maxClosedRunSpansPerAction: ${spans.problem}`);
  const keys = countOption(config.maxScopeKeysPerAction, DEFAULT_MAX_SCOPE_KEYS);
  if (keys.problem !== undefined) logger.warn(`maxScopeKeysPerAction: ${keys.problem}`);
  const recent = countOption(config.recentCloses, DEFAULT_RECENT_CLOSES);
  if (recent.problem !== undefined) logger.warn(`recentCloses: ${recent.problem}`);
  if (recent.value > MAX_RECENT_CLOSES) logger.warn(`recentCloses: at most ${MAX_RECENT_CLOSES}`);
  const grace = countOption(config.interruptGraceMs, DEFAULT_INTERRUPT_GRACE_MS);
  if (grace.problem !== undefined) logger.warn(`interruptGraceMs: ${grace.problem}`);
  const maxAge = countOption(config.maxRunAgeMs, 0);
  if (maxAge.problem !== undefined) logger.warn(`maxRunAgeMs: ${maxAge.problem}`);
  const hook = <H>(name: string, value: H | undefined): H | undefined => {
    if (value === undefined || typeof value === 'function') return value;
    logger.warn(`${name} must be a function; ignored`);
    return undefined;
  };
  return {
    maxClosedRunSpansPerAction: spans.value,
    maxScopeKeysPerAction: keys.value,
    recentCloses: Math.min(recent.value, MAX_RECENT_CLOSES),
    interruptGraceMs: grace.value,
    maxRunAgeMs: maxAge.value,
    actionHook: hook('actionHook', config.actionHook),
    runCloseHook: hook('runCloseHook', config.runCloseHook),
  };
}

const CONFIG_KEYS = [
  'enabled',
  'maxClosedRunSpansPerAction',
  'maxScopeKeysPerAction',
  'recentCloses',
  'interruptGraceMs',
  'maxRunAgeMs',
  'actionHook',
  'runCloseHook',
] as const satisfies ReadonlyArray<keyof SessionLifecycleConfig>;

/** A plain copy of the known options: a getter that throws reads as unset, anything else is ignored. */
function copyConfig(config: unknown): SessionLifecycleConfig {
  const copy: Record<string, unknown> = {};
  if (typeof config !== 'object' || config === null) {
    if (config !== undefined) logger.warn(`config must be an object (got ${typeof config}); using the defaults`);
    return copy;
  }
  for (const key of CONFIG_KEYS) {
    const value = readProperty(config, key);
    if (value !== undefined) copy[key] = value;
  }
  return copy as SessionLifecycleConfig;
}

/**
 * Lifecycle telemetry for a session host: each lifecycle action is a parent span, each run it
 * interrupts gets a `run closed` child span linked to the run's own span.
 */
export class SessionLifecycleInstrumentation {
  readonly instrumentationName = PACKAGE_NAME;
  readonly instrumentationVersion = PACKAGE_VERSION;
  private config: SessionLifecycleConfig;
  private readonly tracker: Tracker;
  private readonly stores: StorePatcher;
  private enabled = false;

  constructor(config: SessionLifecycleConfig = {}) {
    this.config = copyConfig(config);
    this.tracker = new Tracker(
      trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION),
      new LifecycleMetrics(metrics.getMeter(PACKAGE_NAME, PACKAGE_VERSION)),
      settingsOf(this.config),
    );
    this.stores = new StorePatcher((kind, options, fn) => (this.enabled ? this.tracker.action(kind, options, fn) : fn()));
    if (this.config.enabled !== false) this.enable();
  }

  /** Use this provider instead of the global one. */
  setTracerProvider(provider: TracerProvider): void {
    try {
      this.tracker.tracer = provider.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
    } catch (error) {
      logger.error(`setTracerProvider: getTracer failed (${errorFingerprint(error)}); provider not changed`);
    }
  }

  /**
   * Use this provider instead of the global one. The global meter provider is read when the
   * instrumentation is created: one registered later takes effect through this method (which
   * `registerInstrumentations` calls).
   */
  setMeterProvider(provider: MeterProvider): void {
    try {
      this.tracker.metrics = new LifecycleMetrics(provider.getMeter(PACKAGE_NAME, PACKAGE_VERSION));
    } catch (error) {
      logger.error(`setMeterProvider: getMeter failed (${errorFingerprint(error)}); provider not changed`);
    }
  }

  getConfig(): SessionLifecycleConfig {
    return { ...this.config };
  }

  setConfig(config: SessionLifecycleConfig = {}): void {
    this.config = copyConfig(config);
    this.tracker.settings = settingsOf(this.config);
  }

  /** Starts recording; wraps again the stores that `disable()` restored. */
  enable(): void {
    this.enabled = true;
    this.stores.patchAll();
  }

  /**
   * Stops recording new actions and runs, and puts back the original methods of instrumented
   * stores. Runs already tracked still record their close.
   */
  disable(): void {
    this.enabled = false;
    this.stores.unpatchAll();
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  /**
   * Runs `fn` as a lifecycle action: a `lifecycle <kind>` span, active in `fn`'s async context.
   * Returns what `fn` returns (the same promise, for an async `fn`); errors pass through.
   * Called while an action is already active in this context, it joins that action.
   * An invalid `kind` is reported on the diag logger and `fn` runs untraced.
   */
  action<T>(kind: LifecycleKind, fn: () => T): T;
  action<T>(kind: LifecycleKind, options: ActionOptions, fn: () => T): T;
  action<T>(kind: LifecycleKind, optionsOrFn: ActionOptions | (() => T), maybeFn?: () => T): T {
    const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn;
    if (typeof fn !== 'function') {
      throw new TypeError(`${PACKAGE_NAME}: action(kind, [options], fn) needs a function to run`);
    }
    if (!this.enabled) return fn();
    const options = typeof optionsOrFn === 'function' ? undefined : optionsOrFn;
    return this.tracker.action(kind, options, fn);
  }

  /**
   * Wraps methods of an existing store **in place** (the same object is returned) so that each
   * call is a lifecycle action of the mapped kind. Sync and async methods both work; return values,
   * `this`, throws and rejections pass through. Wrapping again updates the kinds without wrapping
   * twice; `disable()` restores the originals. Throws a `TypeError` at set-up for an unknown
   * method or an invalid kind, and leaves the store untouched then.
   */
  instrumentStore<T extends object>(store: T, methods: StoreMethodKinds<T>, options?: InstrumentStoreOptions): T {
    this.stores.instrument(store, methods as Record<string, unknown>, options);
    return store;
  }

  /** Tracks a run in a scope. Never throws: bad input is bounded and reported on the diag logger. */
  trackRun(options: TrackRunOptions): RunHandle {
    return this.enabled ? this.tracker.trackRun(options) : untrackedRun(options);
  }

  /**
   * Interrupts every tracked run of the scope, attributing each close in the calling context,
   * and aborts the signals the handles own (the `run.signal` of runs tracked without a signal).
   * Returns how many runs it interrupted.
   */
  closeScope(rawScope: string): number {
    return this.enabled ? this.tracker.closeScope(rawScope) : 0;
  }

  /** The `dir:<16 hex>` key of a raw scope, as it appears on telemetry. */
  scopeKey(rawScope: string): string {
    return typeof rawScope === 'string' ? this.tracker.registry.keyOf(rawScope) : INVALID_SCOPE_KEY;
  }

  /** The id of the action active in the calling async context, if any. */
  activeActionId(): string | undefined {
    const action = this.tracker.activeAction();
    return action !== undefined && !action.ended ? action.id : undefined;
  }

  /**
   * A diagnostics snapshot for a debug route or a support bundle: versioned, JSON-serializable,
   * bounded, with no raw paths, prompts or messages.
   */
  snapshot(): LifecycleSnapshot {
    const counts = this.stateCounts();
    const now = performance.now();
    const { diagnostics } = this.tracker;
    return {
      schema_version: 1,
      package: { name: PACKAGE_NAME, version: PACKAGE_VERSION },
      enabled: this.enabled,
      taken_at: new Date().toISOString(),
      since: new Date(diagnostics.since).toISOString(),
      in_flight: { actions: counts.activeActions, runs: counts.runsInFlight, scopes: counts.scopes, scope_registrations: counts.scopeRegistrations },
      active_actions: [...this.tracker.activeActions].slice(0, MAX_SNAPSHOT_ACTIONS).map((action) => ({
        action_id: action.id,
        kind: action.kind,
        age_ms: Math.round(now - action.startedAt),
        runs_interrupted: action.runsInterrupted,
        scope_keys: action.scopeKeys.size + action.scopeKeysOmitted,
      })),
      recent_closes: diagnostics.recentCloses(),
      closes_by_classification: diagnostics.closesByClassification(),
      actions_by_kind: diagnostics.actionsByKind(),
    };
  }

  /**
   * What the package holds right now: all O(runs in flight), and zero when idle (besides at most
   * 1,024 emptied scope entries kept for reuse, which hold no run).
   */
  stateCounts(): { activeActions: number; scopes: number; runsInFlight: number; scopeRegistrations: number } {
    const { scopes, runs, registrations } = this.tracker.registry.stats();
    return {
      activeActions: this.tracker.activeActions.size,
      scopes,
      runsInFlight: runs,
      scopeRegistrations: registrations,
    };
  }
}
