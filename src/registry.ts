// Per-scope state: the runs in flight in a scope and the stack of actions registered on it.
// A scope's entry exists only while it has a run in flight or an action registered: O(runs in flight).
import { ScopeKeyCache } from './bounds.js';

/** What the registry needs to know of an action. */
export interface RegisteredAction {
  readonly ended: boolean;
}

export class ScopeState<R, A extends RegisteredAction> {
  readonly runs = new Set<R>();
  readonly actions: A[] = [];
  constructor(
    readonly raw: string,
    readonly key: string,
  ) {}

  /** The most recently registered action that is still open. */
  top(): A | undefined {
    for (let i = this.actions.length - 1; i >= 0; i--) {
      const action = this.actions[i]!;
      if (!action.ended) return action;
    }
    return undefined;
  }
}

export class ScopeRegistry<R, A extends RegisteredAction> {
  private readonly scopes = new Map<string, ScopeState<R, A>>();
  private readonly keys: ScopeKeyCache;

  constructor(keyCacheCapacity = 4096) {
    this.keys = new ScopeKeyCache(keyCacheCapacity);
  }

  keyOf(rawScope: string): string {
    return this.scopes.get(rawScope)?.key ?? this.keys.get(rawScope);
  }

  get(rawScope: string): ScopeState<R, A> | undefined {
    return this.scopes.get(rawScope);
  }

  private open(rawScope: string): ScopeState<R, A> {
    let scope = this.scopes.get(rawScope);
    if (scope === undefined) {
      scope = new ScopeState<R, A>(rawScope, this.keys.get(rawScope));
      this.scopes.set(rawScope, scope);
    }
    return scope;
  }

  private release(scope: ScopeState<R, A>): void {
    if (scope.runs.size === 0 && scope.actions.length === 0) this.scopes.delete(scope.raw);
  }

  addRun(rawScope: string, run: R): ScopeState<R, A> {
    const scope = this.open(rawScope);
    scope.runs.add(run);
    return scope;
  }

  removeRun(scope: ScopeState<R, A>, run: R): void {
    scope.runs.delete(run);
    this.release(scope);
  }

  /** Registers `action` on `rawScope` once; returns the scope if it was newly registered. */
  register(rawScope: string, action: A): ScopeState<R, A> | undefined {
    const scope = this.open(rawScope);
    if (scope.actions.includes(action)) return undefined;
    scope.actions.push(action);
    return scope;
  }

  /** Removes `action` from `scope` by identity, wherever it stands in the stack. */
  unregister(scope: ScopeState<R, A>, action: A): void {
    const index = scope.actions.lastIndexOf(action);
    if (index >= 0) scope.actions.splice(index, 1);
    this.release(scope);
  }

  /** How many scopes have state, and how many runs and registrations they hold. */
  stats(): { scopes: number; runs: number; registrations: number } {
    let runs = 0;
    let registrations = 0;
    for (const scope of this.scopes.values()) {
      runs += scope.runs.size;
      registrations += scope.actions.length;
    }
    return { scopes: this.scopes.size, runs, registrations };
  }
}
