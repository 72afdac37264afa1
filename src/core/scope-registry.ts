// Per-scope state: the runs in flight in a scope (an intrusive list threaded through the runs, so a
// run joins and leaves its scope without allocating), the stack of open actions registered on it,
// and the last action that closed it (for late, victim-side reports). A scope that empties stays
// as an idle entry, so a busy scope does not allocate and free its state for every run; idle
// entries past a bound are swept. State is O(runs in flight) plus at most MAX_IDLE_SCOPES entries.
import { ScopeKeyCache } from '../redact.js';

const MAX_IDLE_SCOPES = 1024;

/** What the registry needs of a run: the links of its scope's list. */
export interface ScopeMember<R> {
  scope: ScopeState<R, RegisteredAction> | undefined;
  prevInScope: R | undefined;
  nextInScope: R | undefined;
}

/** What the registry needs to know of an action. */
export interface RegisteredAction {
  readonly ended: boolean;
}

/** The action that last closed a scope: which, when it closed it (a sequence number), when it ended. */
export interface ScopeClose<A> {
  readonly action: A;
  readonly closedAt: number;
  readonly endedAtMs: number;
}

export class ScopeState<R, A extends RegisteredAction> {
  head: R | undefined;
  size = 0;
  readonly actions: A[] = [];
  lastClose: ScopeClose<A> | undefined;
  idle = false;
  constructor(readonly key: string) {}

  /** The most recently registered action that is still open (and that `accept`s, when given). */
  top(accept?: (action: A) => boolean): A | undefined {
    for (let i = this.actions.length - 1; i >= 0; i--) {
      const action = this.actions[i]!;
      if (!action.ended && (accept === undefined || accept(action))) return action;
    }
    return undefined;
  }

  /** The runs in flight, copied: closing them may end them. */
  runs(): R[] {
    const out: R[] = [];
    for (let run = this.head; run !== undefined; run = (run as ScopeMember<R>).nextInScope) out.push(run);
    return out;
  }
}

export class ScopeRegistry<R extends ScopeMember<R>, A extends RegisteredAction> {
  private readonly scopes = new Map<string, ScopeState<R, A>>();
  private readonly keys: ScopeKeyCache;
  private idleCount = 0;

  constructor(keyCacheCapacity = 4096) {
    this.keys = new ScopeKeyCache(keyCacheCapacity);
  }

  keyOf(rawScope: string): string {
    return this.scopes.get(rawScope)?.key ?? this.keys.get(rawScope);
  }

  /** The scope's state, if it has runs, registrations or a recent close. */
  get(rawScope: string): ScopeState<R, A> | undefined {
    const scope = this.scopes.get(rawScope);
    return scope === undefined || scope.idle ? undefined : scope;
  }

  /** The scope's state, created if need be; it counts as in use once it holds a run or action. */
  open(rawScope: string): ScopeState<R, A> {
    let scope = this.scopes.get(rawScope);
    if (scope === undefined) {
      scope = new ScopeState<R, A>(this.keys.get(rawScope));
      this.scopes.set(rawScope, scope);
      scope.idle = true;
      this.idleCount++;
    }
    return scope;
  }

  private use(scope: ScopeState<R, A>): void {
    if (!scope.idle) return;
    scope.idle = false;
    this.idleCount--;
  }

  private release(scope: ScopeState<R, A>): void {
    if (scope.idle || scope.size > 0 || scope.actions.length > 0) return;
    // With no run left in it, a late report cannot come from this scope any more.
    scope.lastClose = undefined;
    scope.idle = true;
    if (++this.idleCount > MAX_IDLE_SCOPES) this.sweep();
  }

  private sweep(): void {
    for (const [raw, scope] of this.scopes) {
      if (scope.idle) this.scopes.delete(raw);
    }
    this.idleCount = 0;
  }

  addRun(scope: ScopeState<R, A>, run: R): void {
    run.scope = scope as ScopeState<R, RegisteredAction>;
    run.prevInScope = undefined;
    run.nextInScope = scope.head;
    if (scope.head !== undefined) scope.head.prevInScope = run;
    scope.head = run;
    scope.size++;
    this.use(scope);
  }

  removeRun(run: R): void {
    const scope = run.scope as ScopeState<R, A> | undefined;
    if (scope === undefined) return;
    const { prevInScope: prev, nextInScope: next } = run;
    if (prev !== undefined) prev.nextInScope = next;
    else scope.head = next;
    if (next !== undefined) next.prevInScope = prev;
    run.scope = run.prevInScope = run.nextInScope = undefined;
    scope.size--;
    this.release(scope);
  }

  /** Registers `action` on `rawScope` once; returns the scope if it was newly registered. */
  register(rawScope: string, action: A): ScopeState<R, A> | undefined {
    const scope = this.open(rawScope);
    if (scope.actions.includes(action)) return undefined;
    scope.actions.push(action);
    this.use(scope);
    return scope;
  }

  /** Removes `action` from `scope` by identity, wherever it stands in the stack. */
  unregister(scope: ScopeState<R, A>, action: A): void {
    const index = scope.actions.lastIndexOf(action);
    if (index >= 0) scope.actions.splice(index, 1);
    this.release(scope);
  }

  /** Remembers that `action`, now ended, closed `scope`: only while the scope still has runs. */
  rememberClose(scope: ScopeState<R, A>, close: ScopeClose<A>): void {
    if (scope.size > 0) scope.lastClose = close;
  }

  /** Scopes in use (with runs or registrations), and the runs and registrations they hold. */
  stats(): { scopes: number; runs: number; registrations: number } {
    let runs = 0;
    let registrations = 0;
    let inUse = 0;
    for (const scope of this.scopes.values()) {
      if (scope.idle) continue;
      inUse++;
      runs += scope.size;
      registrations += scope.actions.length;
    }
    return { scopes: inUse, runs, registrations };
  }
}
