// Wrapping a host's instance store in place: each mapped method becomes a lifecycle action.
import { describeInvalidKind, isLifecycleKind } from './core/classification.js';
import { logger } from './log.js';
import { errorFingerprint } from './redact.js';
import type { ActionOptions, InstrumentStoreOptions } from './types.js';
import { PACKAGE_NAME } from './version.js';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** Runs `fn` as an action of `kind`, or just runs it while disabled. */
export type ActionRunner = (kind: string, options: ActionOptions | undefined, fn: () => unknown) => unknown;

interface Patch {
  readonly store: WeakRef<object>;
  readonly method: string;
  readonly original: AnyFunction;
  readonly ownDescriptor: PropertyDescriptor | undefined;
  readonly wrapper: AnyFunction;
  kind: string;
  scopeOf: InstrumentStoreOptions['scopeOf'];
  applied: boolean;
}

const PATCH = Symbol.for('otel-session-lifecycle.patch');

function patchOf(value: unknown): Patch | undefined {
  return typeof value === 'function' ? (value as { [PATCH]?: Patch })[PATCH] : undefined;
}

function scopesFrom(patch: Patch, args: unknown[]): readonly string[] | undefined {
  let scopes: unknown;
  try {
    scopes = patch.scopeOf !== undefined ? patch.scopeOf(patch.method, args) : typeof args[0] === 'string' ? args[0] : undefined;
  } catch (error) {
    logger.error(`scopeOf threw for ${patch.method} (${errorFingerprint(error)}); the action has no scopes`);
    return undefined;
  }
  if (scopes === undefined) return undefined;
  if (typeof scopes === 'string') return [scopes];
  if (Array.isArray(scopes)) return scopes as readonly string[];
  logger.warn(`scopeOf for ${patch.method} returned a ${typeof scopes}, not a string or string[]; ignored`);
  return undefined;
}

export class StorePatcher {
  private readonly patches: Patch[] = [];

  constructor(private readonly run: ActionRunner) {}

  /** Wraps `store[method]` for each entry of `methods`; throws a TypeError on bad set-up. */
  instrument(store: object, methods: Record<string, unknown>, options: InstrumentStoreOptions | undefined): void {
    if ((typeof store !== 'object' && typeof store !== 'function') || store === null) {
      throw new TypeError(`${PACKAGE_NAME}: instrumentStore needs the store object, got ${store === null ? 'null' : typeof store}`);
    }
    if (typeof methods !== 'object' || methods === null) {
      throw new TypeError(`${PACKAGE_NAME}: instrumentStore needs a map of method name to lifecycle kind`);
    }
    const scopeOf = options?.scopeOf;
    if (scopeOf !== undefined && typeof scopeOf !== 'function') {
      throw new TypeError(`${PACKAGE_NAME}: instrumentStore options.scopeOf must be a function`);
    }
    let entries: Array<[string, unknown]>;
    try {
      entries = Object.entries(methods);
    } catch {
      throw new TypeError(`${PACKAGE_NAME}: instrumentStore could not read the map of method name to lifecycle kind`);
    }
    // Validate everything before wrapping anything: a bad map leaves the store untouched.
    for (const [method, kind] of entries) {
      if (!isLifecycleKind(kind)) throw new TypeError(`${PACKAGE_NAME}: instrumentStore ${method}: ${describeInvalidKind(kind)}`);
      let found: unknown;
      try {
        found = (store as Record<string, unknown>)[method];
      } catch {
        found = undefined;
      }
      if (typeof found !== 'function') {
        throw new TypeError(`${PACKAGE_NAME}: instrumentStore: the store has no method ${method}`);
      }
    }
    for (const [method, kind] of entries) {
      const current = (store as Record<string, unknown>)[method];
      const existing = patchOf(current);
      if (existing !== undefined && this.patches.includes(existing)) {
        existing.kind = kind as string;
        existing.scopeOf = scopeOf;
        continue;
      }
      const patch = this.createPatch(store, method, current as AnyFunction, kind as string, scopeOf);
      this.apply(patch);
      this.patches.push(patch);
    }
  }

  private createPatch(
    store: object,
    method: string,
    original: AnyFunction,
    kind: string,
    scopeOf: InstrumentStoreOptions['scopeOf'],
  ): Patch {
    const run = this.run;
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      const scopes = scopesFrom(patch, args);
      return run(patch.kind, scopes === undefined ? undefined : { scopes }, () => original.apply(this, args));
    };
    const patch: Patch = {
      store: new WeakRef(store),
      method,
      original,
      ownDescriptor: Object.getOwnPropertyDescriptor(store, method),
      wrapper,
      kind,
      scopeOf,
      applied: false,
    };
    Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
    Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
    Object.defineProperty(wrapper, PATCH, { value: patch });
    return patch;
  }

  private apply(patch: Patch): void {
    const store = patch.store.deref();
    if (store === undefined || patch.applied) return;
    try {
      Object.defineProperty(store, patch.method, {
        value: patch.wrapper,
        writable: true,
        configurable: true,
        enumerable: patch.ownDescriptor?.enumerable ?? false,
      });
      patch.applied = true;
    } catch {
      throw new TypeError(`${PACKAGE_NAME}: instrumentStore cannot wrap ${patch.method}: the store does not allow it (frozen?)`);
    }
  }

  private restore(patch: Patch): void {
    const store = patch.store.deref();
    patch.applied = false;
    if (store === undefined) return;
    // A method the host replaced since is the host's: leave it.
    if ((store as Record<string, unknown>)[patch.method] !== patch.wrapper) return;
    if (patch.ownDescriptor !== undefined) Object.defineProperty(store, patch.method, patch.ownDescriptor);
    else delete (store as Record<string, unknown>)[patch.method];
  }

  /** Re-wraps every store still alive (after `unpatchAll`). */
  patchAll(): void {
    this.prune();
    for (const patch of this.patches) {
      try {
        this.apply(patch);
      } catch (error) {
        logger.error(`re-wrapping ${patch.method} failed (${errorFingerprint(error)})`);
      }
    }
  }

  /** Puts every original method back. */
  unpatchAll(): void {
    for (const patch of this.patches) {
      try {
        this.restore(patch);
      } catch (error) {
        logger.error(`restoring ${patch.method} failed (${errorFingerprint(error)})`);
      }
    }
    this.prune();
  }

  private prune(): void {
    for (let i = this.patches.length - 1; i >= 0; i--) {
      if (this.patches[i]!.store.deref() === undefined) this.patches.splice(i, 1);
    }
  }
}
