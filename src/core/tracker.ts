// The core's wiring: owns the settings, the scope registry, the watchdog, the snapshot, the async
// context of actions and the providers, and hands them to the parts. No logic of its own beyond
// resolving providers lazily (an instrumentation made before the host registers its providers
// records through the ones present when it records).
import { AsyncLocalStorage } from 'node:async_hooks';
import { metrics, trace, type Meter, type MeterProvider, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { logger } from '../log.js';
import type { ActionHandle, RunHandle } from '../types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import { actionOf, begin, runAction } from './actions.js';
import { interrupt } from './attribution.js';
import { finish } from './end.js';
import { LifecycleMetrics } from './metrics.js';
import { closeScope, trackRun } from './runs.js';
import { ScopeRegistry } from './scope-registry.js';
import { Snapshot, type LifecycleSnapshot } from './snapshot.js';
import { openAction, type Core } from './parts.js';
import type { ActionState, RunOwner, RunRecord } from './records.js';
import type { Settings } from './settings.js';
import { RunWatchdog } from './watchdog.js';

export class Tracker implements Core {
  readonly registry = new ScopeRegistry<RunRecord, ActionState>();
  readonly current = new AsyncLocalStorage<ActionState>();
  readonly openActions = new Map<string, ActionState>();
  readonly endedActions = new Map<string, ActionState>();
  readonly snapshot: Snapshot;
  readonly watchdog: RunWatchdog<RunRecord>;
  readonly owner: RunOwner = {
    interrupt: (run, meta) => interrupt(this, run, meta),
    finish: (run, options) => finish(this, run, options),
  };
  private settingsValue: Settings;
  private tracerProvider: TracerProvider | undefined;
  private cachedTracer: Tracer | undefined;
  private meterProvider: MeterProvider | undefined;
  private explicitMeterProvider: MeterProvider | undefined;
  private cachedMetrics: LifecycleMetrics | undefined;
  private meterSettled = false;
  private meterCheckedThisTurn = false;
  private readonly warned = new Set<string>();

  constructor(settings: Settings) {
    this.settingsValue = settings;
    this.snapshot = new Snapshot(settings.recentCloses);
    this.watchdog = new RunWatchdog<RunRecord>(
      () => this.settingsValue.interruptGraceMs,
      () => this.settingsValue.maxRunAgeMs,
      (run, reason) => finish(this, run, undefined, reason),
    );
  }

  get settings(): Settings {
    return this.settingsValue;
  }

  set settings(settings: Settings) {
    this.settingsValue = settings;
    this.snapshot.resize(settings.recentCloses);
  }

  /** The tracer of the provider set on the instrumentation, else of the global one (a proxy until registered). */
  tracer(): Tracer {
    if (this.cachedTracer === undefined) {
      const provider = this.tracerProvider ?? trace.getTracerProvider();
      this.cachedTracer = provider.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
    }
    return this.cachedTracer;
  }

  setTracerProvider(provider: TracerProvider): void {
    const tracer = provider.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
    this.tracerProvider = provider;
    this.cachedTracer = tracer;
  }

  /**
   * The metrics of the provider set on the instrumentation, else of the global one, resolved when
   * recording: until a global provider is registered (the API answers with its no-op one), it is
   * looked up again at the first record of each microtask; once one is, it is kept.
   */
  metrics(): LifecycleMetrics {
    if (this.cachedMetrics !== undefined && (this.meterSettled || this.meterCheckedThisTurn)) return this.cachedMetrics;
    if (!this.meterSettled) {
      // Looked up at most once until the microtask queue runs: a dispose-all closes its runs before.
      this.meterCheckedThisTurn = true;
      queueMicrotask(() => {
        this.meterCheckedThisTurn = false;
      });
    }
    const provider = this.explicitMeterProvider ?? metrics.getMeterProvider();
    if (provider !== this.meterProvider || this.cachedMetrics === undefined) {
      this.cachedMetrics = new LifecycleMetrics(meterOf(provider));
      this.meterProvider = provider;
      this.meterSettled = this.explicitMeterProvider !== undefined || !isNoop(provider);
    }
    return this.cachedMetrics;
  }

  setMeterProvider(provider: MeterProvider): void {
    const created = new LifecycleMetrics(meterOf(provider));
    this.explicitMeterProvider = this.meterProvider = provider;
    this.cachedMetrics = created;
    this.meterSettled = true;
  }

  warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    logger.warn(message);
  }

  begin(kind: unknown, options: unknown): ActionHandle {
    return begin(this, kind, options);
  }

  /**
   * Begins (or joins) an action for code that the caller runs with `store` as this core's async
   * context (a diagnostics channel's bound store): the action itself, else the context unchanged.
   */
  beginBound(kind: unknown, options: unknown): { handle: ActionHandle; store: object | undefined } {
    const handle = begin(this, kind, options);
    return { handle, store: actionOf(handle) ?? this.current.getStore() };
  }

  action<T>(kind: unknown, options: unknown, fn: () => T): T {
    return runAction(this, kind, options, fn);
  }

  trackRun(options: unknown, recording: boolean): RunHandle {
    return trackRun(this, options, recording);
  }

  closeScope(rawScope: unknown): number {
    return closeScope(this, rawScope);
  }

  /** The id of the action open in the calling async context, if any. */
  activeActionId(): string | undefined {
    return openAction(this)?.id;
  }

  /** What the core holds right now: all O(runs in flight), and zero when idle. */
  stateCounts(): { activeActions: number; scopes: number; runsInFlight: number; scopeRegistrations: number } {
    const { scopes, runs, registrations } = this.registry.stats();
    return { activeActions: this.openActions.size, scopes, runsInFlight: runs, scopeRegistrations: registrations };
  }

  takeSnapshot(enabled: boolean): LifecycleSnapshot {
    const counts = this.stateCounts();
    const inFlight = {
      actions: counts.activeActions,
      runs: counts.runsInFlight,
      scopes: counts.scopes,
      scope_registrations: counts.scopeRegistrations,
    };
    return this.snapshot.build(enabled, inFlight, this.openActions.values());
  }
}

/** The API's stand-in while no global meter provider is registered. */
function isNoop(provider: MeterProvider): boolean {
  return provider.constructor?.name === 'NoopMeterProvider';
}

function meterOf(provider: MeterProvider): Meter {
  return provider.getMeter(PACKAGE_NAME, PACKAGE_VERSION);
}
