// Wrapping a host's instance store in place: each mapped method becomes a lifecycle action.
// Wrapping is exact: every method is checked before any is touched; a method inherited from a
// prototype is looked up there at each call (a prototype patched later is what runs); unwrapping
// puts back only what is still ours on top, so two instrumentations on one store compose in any
// order; wrapping again after an unwrap wraps what is on the store then.
import { guarded } from './guard.js';
import { callOptions, warnIfEffect } from './call-options.js';
import { readOption, readProperty } from './host-input.js';
import { logger } from './log.js';
import type { ActionOptions, InstrumentStoreOptions } from './types.js';
import { PACKAGE_NAME } from './version.js';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** Runs `fn` as an action of `kind` (or just runs it while recording is off). */
export type ActionRunner = (kind: string, options: ActionOptions | undefined, fn: () => unknown) => unknown;

interface Patch {
  readonly store: WeakRef<object>;
  readonly method: string;
  readonly wrapper: AnyFunction;
  /** The store's own method when it had one; else `proto` is where the method is looked up. */
  inner: AnyFunction | undefined;
  proto: object | null;
  ownDescriptor: PropertyDescriptor | undefined;
  kind: string;
  scopeOf: InstrumentStoreOptions['scopeOf'];
  detailsOf: InstrumentStoreOptions['detailsOf'];
  /** Our wrapper is on the store, at the top or under another instrumentation's. */
  applied: boolean;
}

const PATCH = Symbol.for('otel-session-lifecycle.patch');

function patchOf(value: unknown): Patch | undefined {
  return typeof value === 'function' ? (readProperty(value, PATCH) as Patch | undefined) : undefined;
}

function fail(message: string): never {
  throw new TypeError(`${PACKAGE_NAME}: instrumentStore ${message}`);
}

function optionsFor(patch: Patch, args: unknown[]): ActionOptions {
  const { scopeOf, detailsOf, method } = patch;
  return callOptions(
    method,
    scopeOf === undefined ? undefined : (callArgs) => scopeOf(method, callArgs),
    detailsOf === undefined ? undefined : (callArgs) => detailsOf(method, callArgs),
    args,
  );
}

/** Checks that `method` can be wrapped on `store`; throws a TypeError naming it otherwise. */
function check(store: object, method: string): void {
  let value: unknown;
  let own: PropertyDescriptor | undefined;
  try {
    value = (store as Record<string, unknown>)[method];
    own = Object.getOwnPropertyDescriptor(store, method);
  } catch {
    fail(`cannot read ${method} on the store`);
  }
  if (typeof value !== 'function') fail(`: the store has no method ${method}`);
  const wrappable = own === undefined ? Object.isExtensible(store) : own.configurable === true;
  if (!wrappable) fail(`cannot wrap ${method}: the store does not allow it (frozen or non-configurable)`);
}

export class StorePatcher {
  private readonly patches: Patch[] = [];

  constructor(
    private readonly run: ActionRunner,
    /** Reports an undeclared kind on diag at set-up; calls are recorded as `unknown_kind`. */
    private readonly isDeclared: (kind: unknown) => boolean,
  ) {}

  /** Wraps `store[method]` for each entry of `methods`; throws a TypeError on bad set-up. */
  instrument(store: object, methods: Record<string, unknown>, options: InstrumentStoreOptions | undefined): void {
    if ((typeof store !== 'object' && typeof store !== 'function') || store === null) {
      fail(`needs the store object, got ${store === null ? 'null' : typeof store}`);
    }
    const scopeOf = readOption(options, 'scopeOf');
    const detailsOf = readOption(options, 'detailsOf');
    if (scopeOf !== undefined && typeof scopeOf !== 'function') fail('options.scopeOf must be a function');
    if (detailsOf !== undefined && typeof detailsOf !== 'function') fail('options.detailsOf must be a function');
    let entries: Array<[string, unknown]>;
    try {
      entries = Object.entries(methods);
    } catch {
      fail('could not read the map of method name to lifecycle kind');
    }
    // Check everything before wrapping anything: a bad map leaves the store untouched.
    for (const [method] of entries) check(store, method);
    for (const [method, kind] of entries) {
      if (!this.isDeclared(kind)) {
        logger.error(`instrumentStore ${method}: the kind is not declared in config.kinds; calls record unknown_kind`);
      }
      const existing = this.patches.find((p) => p.store.deref() === store && p.method === method);
      const patch = existing ?? this.createPatch(store, method);
      patch.kind = kind as string;
      patch.scopeOf = scopeOf as InstrumentStoreOptions['scopeOf'];
      patch.detailsOf = detailsOf as InstrumentStoreOptions['detailsOf'];
      if (existing === undefined) this.patches.push(patch);
      this.apply(patch);
    }
  }

  private createPatch(store: object, method: string): Patch {
    const run = this.run;
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      const target = patch.inner ?? (patch.proto === null ? undefined : Reflect.get(patch.proto, method, this));
      if (typeof target !== 'function') return undefined;
      const result = run(patch.kind, optionsFor(patch, args), () => (target as AnyFunction).apply(this, args));
      warnIfEffect(`instrumentStore ${method}`, result);
      return result;
    };
    const patch: Patch = {
      store: new WeakRef(store),
      method,
      wrapper,
      inner: undefined,
      proto: null,
      ownDescriptor: undefined,
      kind: '',
      scopeOf: undefined,
      detailsOf: undefined,
      applied: false,
    };
    const original = (store as Record<string, unknown>)[method] as AnyFunction;
    Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
    Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
    Object.defineProperty(wrapper, PATCH, { value: patch });
    return patch;
  }

  /** Puts the wrapper on top of what the store has now, unless it is still there. */
  private apply(patch: Patch): void {
    const store = patch.store.deref();
    if (store === undefined || (patch.applied && this.inChain(store, patch))) return;
    const own = Object.getOwnPropertyDescriptor(store, patch.method);
    patch.ownDescriptor = own;
    patch.inner = own === undefined ? undefined : ((store as Record<string, unknown>)[patch.method] as AnyFunction);
    patch.proto = own === undefined ? Object.getPrototypeOf(store) : null;
    Object.defineProperty(store, patch.method, {
      value: patch.wrapper,
      writable: true,
      configurable: true,
      enumerable: own?.enumerable ?? false,
    });
    patch.applied = true;
  }

  /** Whether our wrapper is still called: on top, or inside other instrumentations' wrappers. */
  private inChain(store: object, patch: Patch): boolean {
    let fn = readProperty(store, patch.method);
    for (let depth = 0; depth < 32 && fn !== undefined; depth++) {
      if (fn === patch.wrapper) return true;
      fn = patchOf(fn)?.inner;
    }
    return false;
  }

  /** Takes the wrapper off if it is on top; under another instrumentation's it stays (and passes through). */
  private restore(patch: Patch): void {
    const store = patch.store.deref();
    if (store === undefined) return;
    if (readProperty(store, patch.method) !== patch.wrapper) {
      patch.applied = this.inChain(store, patch);
      return;
    }
    if (patch.ownDescriptor !== undefined) Object.defineProperty(store, patch.method, patch.ownDescriptor);
    else delete (store as Record<string, unknown>)[patch.method];
    patch.applied = false;
  }

  /** Wraps again every store still alive (after `unpatchAll`). */
  patchAll(): void {
    this.prune();
    for (const patch of this.patches) guarded(`re-wrapping ${patch.method}`, () => this.apply(patch), undefined);
  }

  /** Unwraps what is still ours on top. */
  unpatchAll(): void {
    for (const patch of this.patches) guarded(`restoring ${patch.method}`, () => this.restore(patch), undefined);
    this.prune();
  }

  private prune(): void {
    for (let i = this.patches.length - 1; i >= 0; i--) {
      if (this.patches[i]!.store.deref() === undefined) this.patches.splice(i, 1);
    }
  }
}
