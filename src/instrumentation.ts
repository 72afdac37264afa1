// The public façade: SessionLifecycleInstrumentation. It reads configuration, switches recording on
// and off, wraps stores, and forwards every call to the core; nothing it does throws into host code
// once set up (set-up mistakes throw a TypeError at once, with the store left as it was).
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { copyConfig, settingsOf } from './config.js';
import { DetachedHandle } from './core/actions.js';
import type { LifecycleSnapshot } from './core/snapshot.js';
import { nextActionId } from './core/records.js';
import { Tracker } from './core/tracker.js';
import { guarded } from './guard.js';
import { INVALID_SCOPE_KEY } from './redact.js';
import { StorePatcher } from './store-patcher.js';
import { defineAction } from './define-action.js';
import type {
  ActionHandle,
  ActionOptions,
  DefineActionOptions,
  InstrumentStoreOptions,
  LifecycleKind,
  RunHandle,
  SessionLifecycleConfig,
  StoreMethodKinds,
  TrackRunOptions,
} from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/**
 * Lifecycle telemetry for a session host: each lifecycle action is a parent span, each run it
 * interrupts gets a `run closed` child span linked to the run's own span. `K` is the host's own
 * kinds, declared in `config.kinds`.
 */
export class SessionLifecycleInstrumentation<const K extends string = never> {
  readonly instrumentationName = PACKAGE_NAME;
  readonly instrumentationVersion = PACKAGE_VERSION;
  private config: SessionLifecycleConfig<K>;
  private readonly tracker: Tracker;
  private readonly stores: StorePatcher;
  private enabled = false;

  constructor(config: SessionLifecycleConfig<K> = {}) {
    this.config = copyConfig<K>(config);
    this.tracker = new Tracker(settingsOf(this.config));
    this.stores = new StorePatcher(
      (kind, options, fn) => (this.enabled ? this.tracker.action(kind, options, fn) : fn()),
      (kind) => this.tracker.settings.kinds.has(kind),
    );
    if (this.config.enabled !== false) this.enable();
  }

  /** Use this provider instead of the global one (an open action keeps the provider it began with). */
  setTracerProvider(provider: TracerProvider): void {
    guarded('setTracerProvider', () => this.tracker.setTracerProvider(provider), undefined);
  }

  /** Use this provider instead of the global one (the global one is read when recording). */
  setMeterProvider(provider: MeterProvider): void {
    guarded('setMeterProvider', () => this.tracker.setMeterProvider(provider), undefined);
  }

  getConfig(): SessionLifecycleConfig<K> {
    return { ...this.config };
  }

  setConfig(config: SessionLifecycleConfig<K> = {}): void {
    this.config = copyConfig<K>(config);
    this.tracker.settings = settingsOf(this.config);
  }

  /** Starts recording; wraps again the stores that `disable()` unwrapped. */
  enable(): void {
    this.enabled = true;
    this.stores.patchAll();
  }

  /**
   * Stops recording new actions and runs and unwraps instrumented stores. Runs already tracked
   * still record their close; `closeScope` still aborts what it aborts.
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
   * Returns what `fn` returns (the same promise, for an async `fn`); errors pass through. Called
   * while an action is open in this context, it joins that action, which then stays open until
   * this call settles too. An undeclared `kind` is recorded as `unknown_kind`, reported on diag.
   */
  action<T>(kind: LifecycleKind<K>, fn: () => T): T;
  action<T>(kind: LifecycleKind<K>, options: ActionOptions, fn: () => T): T;
  action<T>(kind: LifecycleKind<K>, optionsOrFn: ActionOptions | (() => T), maybeFn?: () => T): T {
    const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn;
    if (typeof fn !== 'function') {
      throw new TypeError(`${PACKAGE_NAME}: action(kind, [options], fn) needs a function to run`);
    }
    if (!this.enabled) return fn();
    return this.tracker.action(kind, typeof optionsOrFn === 'function' ? undefined : optionsOrFn, fn);
  }

  /**
   * Begins an action that ends later, with `handle.end()`: a maintenance disposal requested now and
   * carried out later keeps one id (hand `handle.id` to the caller) and one span. Joins the action
   * open in this context, if any. Never throws.
   */
  begin(kind: LifecycleKind<K>, options?: ActionOptions): ActionHandle {
    return this.enabled ? this.tracker.begin(kind, options) : new DetachedHandle(nextActionId('disabled'));
  }

  /**
   * Wraps methods of an existing store **in place** (the same object is returned) so that each
   * call is a lifecycle action of the mapped kind. Sync and async methods both work; return values,
   * `this`, throws and rejections pass through. Throws a `TypeError` naming the method at set-up
   * for a method that is not there or cannot be wrapped, or a kind that is not declared, and
   * leaves the store untouched then.
   */
  instrumentStore<T extends object>(store: T, methods: StoreMethodKinds<T, K>, options?: InstrumentStoreOptions): T {
    this.stores.instrument(store, methods as Record<string, unknown>, options);
    return store;
  }

  /**
   * `fn`, made a lifecycle action of `kind` where it is defined: every call of the function this
   * returns runs as one action (or joins the one open in the caller's context), whoever the caller
   * is: the host's own facades, finalizers and internal reloads included. Returns what `fn`
   * returns, `this` and arguments passed through; while disabled it just calls `fn`. Throws a
   * `TypeError` at set-up when `fn` or an option is not a function.
   */
  defineAction<F extends (...args: never[]) => unknown>(
    kind: LifecycleKind<K>,
    fn: F,
    options?: DefineActionOptions<Parameters<F>>,
  ): F {
    return defineAction(
      (callOptions, call) => (this.enabled ? this.tracker.action(kind, callOptions, call) : call()),
      kind,
      fn,
      options,
      () => this.tracker.settings.kinds.has(kind),
    );
  }

  /** Tracks a run in a scope. Never throws: bad input is bounded and reported on the diag logger. */
  trackRun(options: TrackRunOptions): RunHandle {
    return this.tracker.trackRun(options, this.enabled);
  }

  /**
   * Interrupts every tracked run of the scope, attributing each close in the calling context, and
   * aborts the signals the handles own (the `run.signal` of runs tracked without a signal), whether
   * recording is on or off. Returns how many runs it interrupted.
   */
  closeScope(rawScope: string): number {
    return this.tracker.closeScope(rawScope);
  }

  /** The `dir:<16 hex>` key of a raw scope, as it appears on telemetry. */
  scopeKey(rawScope: string): string {
    return typeof rawScope === 'string' ? this.tracker.registry.keyOf(rawScope) : INVALID_SCOPE_KEY;
  }

  /** The id of the action open in the calling async context, if any. */
  activeActionId(): string | undefined {
    return this.tracker.activeActionId();
  }

  /**
   * A diagnostics snapshot for a debug route or a support bundle: versioned, JSON-serializable,
   * bounded, with no raw paths, prompts or messages.
   */
  snapshot(): LifecycleSnapshot {
    return this.tracker.takeSnapshot(this.enabled);
  }

  /**
   * What the package holds right now: all O(runs in flight), and zero when idle (besides at most
   * 1,024 emptied scope entries kept for reuse, which hold no run).
   */
  stateCounts(): { activeActions: number; scopes: number; runsInFlight: number; scopeRegistrations: number } {
    return this.tracker.stateCounts();
  }
}
