// Model-based interleavings: fast-check writes programs of run starts, lifecycle actions that stay
// open across awaits (commands run inside their async context), nested actions that join them
// (awaited, and not awaited by an action that returns at once), aborts fired outside any action
// and in the context of actions that have ended, late reports after an action closed a scope,
// user cancels (said at the interrupt, by the abort reason, or at the end), run errors and normal
// ends. A plain reference model says who closed what; after every program the exported spans
// must agree with it.
import { AsyncLocalStorage } from 'node:async_hooks';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { userCancel, type CloseClassification, type RunHandle } from '../src/index.js';
import { idOf, linkTargets, setup } from './utils/harness.js';

const SCOPES = ['/srv/a', '/srv/b', '/srv/c'];
const KINDS = [
  'instance_reload',
  'instance_dispose',
  'instance_dispose_directory',
  'instance_dispose_all',
  'idle_eviction',
] as const;
type Kind = (typeof KINDS)[number];
const OUTCOMES = ['completed', 'error', 'user_cancel'] as const;

type Step =
  | { op: 'start'; scope: number }
  | { op: 'open'; kind: Kind; scope: number; register: boolean }
  | { op: 'abortInAction'; action: number; scope: number }
  | { op: 'nestedInAction'; action: number; kind: Kind; scope: number }
  | { op: 'abortOutside'; run: number }
  | { op: 'abortInEnded'; action: number; run: number }
  | { op: 'userCancel'; run: number }
  | { op: 'cancelReason'; run: number }
  | { op: 'cancelThenEnd'; run: number }
  | { op: 'end'; run: number; outcome: (typeof OUTCOMES)[number] }
  | { op: 'close'; action: number }
  | { op: 'closeWithJoin'; action: number; kind: Kind; scope: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('start' as const), scope: fc.nat(2) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('open' as const),
      kind: fc.constantFrom(...KINDS),
      scope: fc.nat(2),
      register: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant('abortInAction' as const), action: fc.nat(5), scope: fc.nat(2) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('nestedInAction' as const),
      action: fc.nat(5),
      kind: fc.constantFrom(...KINDS),
      scope: fc.nat(2),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('abortOutside' as const), run: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('abortInEnded' as const), action: fc.nat(5), run: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('userCancel' as const), run: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancelReason' as const), run: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancelThenEnd' as const), run: fc.nat(20) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('end' as const), run: fc.nat(20), outcome: fc.constantFrom(...OUTCOMES) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('close' as const), action: fc.nat(5) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('closeWithJoin' as const),
      action: fc.nat(5),
      kind: fc.constantFrom(...KINDS),
      scope: fc.nat(2),
    }),
  },
);

// ---- the reference model -----------------------------------------------------------------------

const CLASS_OF: Record<Kind, CloseClassification> = {
  instance_reload: 'local_instance_reload',
  instance_dispose: 'local_instance_dispose',
  instance_dispose_directory: 'local_instance_dispose',
  instance_dispose_all: 'local_instance_dispose',
  idle_eviction: 'known_lifecycle_close',
};

interface ModelRun {
  id: string;
  scope: number;
  /** The order of its start among starts and scope closes. */
  seq: number;
  aborted: boolean;
  interrupted: boolean;
  ended: boolean;
  classification?: CloseClassification;
  action?: number;
  provenance?: 'context' | 'scope_registry' | 'none';
  late: boolean;
  /** The recent action that closed its scope: its cause at the end unless the host says user_cancel. */
  lateCandidate?: number;
  userCancelWord: boolean;
}
interface ModelAction {
  kind: Kind;
  open: boolean;
  interrupted: number;
  /** Scopes it registered on or closed runs in, with when it first did. */
  closed: Map<number, number>;
}

class Model {
  runs: ModelRun[] = [];
  actions: ModelAction[] = [];
  /** Per scope, the open actions registered on it, oldest first. */
  registry: number[][] = SCOPES.map(() => []);
  /** Per scope, the last action that closed it while it had runs, and when. */
  lastClose: Array<{ action: number; closedAt: number } | undefined> = SCOPES.map(() => undefined);
  seq = 0;

  register(action: number, scope: number): void {
    if (this.registry[scope]!.includes(action)) return;
    this.registry[scope]!.push(action);
    this.noteClosed(action, scope);
  }
  noteClosed(action: number, scope: number): void {
    const closed = this.actions[action]!.closed;
    if (!closed.has(scope)) closed.set(scope, ++this.seq);
  }
  inFlight(scope: number): boolean {
    return this.runs.some((r) => r.scope === scope && !r.ended);
  }
  close(action: number): void {
    this.actions[action]!.open = false;
    this.registry = this.registry.map((stack) => stack.filter((a) => a !== action));
    for (const [scope, closedAt] of this.actions[action]!.closed) {
      if (this.inFlight(scope)) this.lastClose[scope] = { action, closedAt };
    }
  }
  commit(run: ModelRun, action: number, provenance: 'context' | 'scope_registry', late = false): void {
    run.action = action;
    run.provenance = provenance;
    run.classification = CLASS_OF[this.actions[action]!.kind];
    run.late = late;
    if (!late) {
      this.actions[action]!.interrupted++;
      this.noteClosed(action, run.scope);
    }
  }
  /** An interrupt of `run` in `context` (an open action, or none). */
  interrupt(run: ModelRun, context: number | undefined, userCancel = false): void {
    if (run.ended || run.interrupted) return;
    run.interrupted = true;
    if (context !== undefined && this.actions[context]!.open) {
      this.commit(run, context, 'context');
      return;
    }
    run.provenance = 'none';
    if (userCancel) {
      run.userCancelWord = true;
      return;
    }
    // The latest open action registered on the scope while the run was in it.
    const registered = [...this.registry[run.scope]!]
      .reverse()
      .find((a) => (this.actions[a]!.closed.get(run.scope) ?? Number.POSITIVE_INFINITY) > run.seq);
    if (registered !== undefined) {
      this.commit(run, registered, 'scope_registry');
      return;
    }
    const last = this.lastClose[run.scope];
    if (last !== undefined && run.seq < last.closedAt) run.lateCandidate = last.action;
  }
  end(run: ModelRun, outcome: (typeof OUTCOMES)[number]): void {
    if (run.ended) return;
    run.ended = true;
    if (
      run.action === undefined &&
      run.lateCandidate !== undefined &&
      !run.userCancelWord &&
      outcome !== 'user_cancel'
    ) {
      this.commit(run, run.lateCandidate, 'scope_registry', true);
    }
    if (run.action === undefined) {
      if (run.userCancelWord) run.classification = 'user_cancel';
      else if (run.interrupted) run.classification = outcome === 'user_cancel' ? 'user_cancel' : 'unknown_scope_close';
      else run.classification = outcome === 'completed' ? 'success' : outcome;
    }
    if (!this.inFlight(run.scope)) this.lastClose[run.scope] = undefined;
  }
}

// ---- the system under test, driven like a host ---------------------------------------------------

interface RealRun {
  controller: AbortController;
  handle: RunHandle;
}
interface RealAction {
  send(command: () => void): Promise<void>;
  close(last?: () => void): Promise<void>;
  id: string;
  done: Promise<unknown>;
  /** Runs a function in the action's async context, also after the action has ended. */
  inContext: (fn: () => void) => void;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function execute(program: Step[]) {
  const h = setup({ interruptGraceMs: 0 });
  const { lifecycle } = h;
  const model = new Model();
  const runs: RealRun[] = [];
  const actions: RealAction[] = [];

  const startRun = (scope: number) => {
    const id = `run-${runs.length}`;
    const controller = new AbortController();
    const handle = lifecycle.trackRun({
      runId: id,
      sessionId: `s-${scope}`,
      scope: SCOPES[scope]!,
      signal: controller.signal,
    });
    // A host ends an aborted run with the AbortError it caught, a moment later.
    controller.signal.addEventListener('abort', () =>
      queueMicrotask(() => handle.end({ outcome: 'error', error: controller.signal.reason })),
    );
    runs.push({ controller, handle });
    model.runs.push({
      id,
      scope,
      seq: ++model.seq,
      aborted: false,
      interrupted: false,
      ended: false,
      late: false,
      userCancelWord: false,
    });
  };
  /** Aborts every run of a scope, as a store closing that instance does, in the calling context. */
  const abortScope = (scope: number, context: number | undefined) => {
    for (const [i, run] of model.runs.entries()) {
      if (run.scope !== scope || run.aborted) continue;
      run.aborted = true;
      model.interrupt(run, context);
      runs[i]!.controller.abort();
      if (!run.ended) model.end(run, 'error');
    }
  };
  const openAction = async (kind: Kind, scope: number, register: boolean) => {
    const index = model.actions.length;
    model.actions.push({ kind, open: true, interrupted: 0, closed: new Map() });
    if (register) model.register(index, scope);
    const inbox: Array<{ command: (() => void) | { close: (() => void) | undefined }; done: () => void }> = [];
    let inContext!: RealAction['inContext'];
    let wake: (() => void) | undefined;
    let id = '';
    let opened!: () => void;
    const ready = new Promise<void>((r) => (opened = r));
    const done = lifecycle.action(kind, register ? { scopes: [SCOPES[scope]!] } : {}, async () => {
      id = lifecycle.activeActionId()!;
      const snapshot = AsyncLocalStorage.snapshot();
      inContext = (fn) => snapshot(fn);
      opened();
      for (;;) {
        while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
        const next = inbox.shift()!;
        if (typeof next.command !== 'function') {
          next.command.close?.();
          next.done();
          return;
        }
        next.command();
        await tick();
        next.done();
      }
    });
    await ready;
    const post = (command: (() => void) | { close: (() => void) | undefined }) =>
      new Promise<void>((resolve) => {
        inbox.push({ command, done: resolve });
        wake?.();
      });
    actions.push({ send: (command) => post(command), close: (last) => post({ close: last }), id, done, inContext });
  };

  for (const s of program) {
    switch (s.op) {
      case 'start':
        startRun(s.scope);
        break;
      case 'open':
        await openAction(s.kind, s.scope, s.register);
        break;
      case 'abortInAction': {
        const a = s.action % Math.max(1, actions.length);
        if (actions.length === 0 || !model.actions[a]!.open) break;
        await actions[a]!.send(() => abortScope(s.scope, a));
        break;
      }
      case 'nestedInAction': {
        const a = s.action % Math.max(1, actions.length);
        if (actions.length === 0 || !model.actions[a]!.open) break;
        model.register(a, s.scope);
        await actions[a]!.send(() => {
          const joined = lifecycle.action(s.kind, { scopes: [SCOPES[s.scope]!] }, () => {
            expect(lifecycle.activeActionId()).toBe(actions[a]!.id);
            abortScope(s.scope, a);
          });
          expect(joined).toBeUndefined();
        });
        break;
      }
      case 'abortInEnded': {
        // A timer or promise chain the action created fires after it ended, in its async context.
        const a = s.action % Math.max(1, actions.length);
        if (actions.length === 0 || model.actions[a]!.open || runs.length === 0) break;
        const i = s.run % runs.length;
        const run = model.runs[i]!;
        if (run.aborted) break;
        run.aborted = true;
        model.interrupt(run, a);
        actions[a]!.inContext(() => runs[i]!.controller.abort());
        if (!run.ended) model.end(run, 'error');
        break;
      }
      case 'cancelReason':
      case 'cancelThenEnd': {
        if (runs.length === 0) break;
        const i = s.run % runs.length;
        const run = model.runs[i]!;
        if (run.aborted) break;
        run.aborted = true;
        if (s.op === 'cancelReason') {
          // The host says why it aborts: the package recognises the reason when the abort fires.
          model.interrupt(run, undefined, true);
          runs[i]!.controller.abort(userCancel());
          model.end(run, 'error');
        } else {
          // The README's pattern: abort, then end the run as the user's cancel.
          model.interrupt(run, undefined);
          runs[i]!.controller.abort();
          model.end(run, 'user_cancel');
          runs[i]!.handle.end({ outcome: 'user_cancel' });
        }
        break;
      }
      case 'abortOutside':
      case 'userCancel': {
        if (runs.length === 0) break;
        const i = s.run % runs.length;
        const run = model.runs[i]!;
        if (s.op === 'userCancel') {
          model.interrupt(run, undefined, true);
          runs[i]!.handle.interrupted({ userCancel: true });
        }
        if (!run.aborted) {
          run.aborted = true;
          model.interrupt(run, undefined);
          runs[i]!.controller.abort();
          if (!run.ended) model.end(run, 'error');
        }
        break;
      }
      case 'end': {
        if (runs.length === 0) break;
        const i = s.run % runs.length;
        model.end(model.runs[i]!, s.outcome);
        runs[i]!.handle.end({ outcome: s.outcome });
        break;
      }
      case 'close': {
        const a = s.action % Math.max(1, actions.length);
        if (actions.length === 0 || !model.actions[a]!.open) break;
        model.close(a);
        await actions[a]!.close();
        await actions[a]!.done;
        break;
      }
      case 'closeWithJoin': {
        // The action's own work returns at once after firing a joined call it does not await; the
        // joined call closes a scope a moment later. The action stays open until it has settled.
        const a = s.action % Math.max(1, actions.length);
        if (actions.length === 0 || !model.actions[a]!.open) break;
        model.register(a, s.scope);
        const victims = [...model.runs.keys()].filter(
          (i) => model.runs[i]!.scope === s.scope && !model.runs[i]!.aborted,
        );
        for (const i of victims) {
          const run = model.runs[i]!;
          run.aborted = true;
          model.interrupt(run, a);
          model.end(run, 'error');
        }
        model.close(a);
        await actions[a]!.close(() => {
          void lifecycle.action(s.kind, { scopes: [SCOPES[s.scope]!] }, async () => {
            await tick();
            for (const i of victims) runs[i]!.controller.abort();
          });
        });
        await actions[a]!.done;
        await tick();
        await tick();
        break;
      }
    }
    await tick();
  }
  // Wind down: close what is open, end what runs.
  for (const [a, action] of actions.entries()) {
    if (!model.actions[a]!.open) continue;
    model.close(a);
    await action.close();
    await action.done;
  }
  for (const [i, run] of model.runs.entries()) {
    model.end(run, 'completed');
    runs[i]!.handle.end({ outcome: 'completed' });
  }
  await tick();
  return { h, model, actions };
}

const hrMs = (t: readonly [number, number]): number => t[0] * 1e3 + t[1] / 1e6;

function check({ h, model, actions }: Awaited<ReturnType<typeof execute>>): void {
  const roots = h.actionSpans();
  expect(roots).toHaveLength(model.actions.length);
  const rootById = new Map(roots.map((r) => [r.attributes['session_host.lifecycle.action.id'], r]));
  for (const [a, action] of model.actions.entries()) {
    const root = rootById.get(actions[a]!.id)!;
    expect(root, `action ${a}`).toBeDefined();
    expect(root.name).toBe(`lifecycle ${action.kind}`);
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes['session_host.lifecycle.runs_interrupted'], `action ${a} interrupted`).toBe(
      action.interrupted,
    );
  }
  // An action ends only after every call it joined: its children started before it ended.
  for (const child of h.named('run closed')) {
    if (child.attributes['session_host.close.late'] === true) continue;
    const root = roots.find((r) => r.spanContext().spanId === child.parentSpanContext?.spanId)!;
    // (a span's start time is whole milliseconds, its end time finer)
    expect(hrMs(child.startTime)).toBeLessThanOrEqual(hrMs(root.endTime) + 1);
  }
  const runSpans = h.named('run');
  expect(runSpans).toHaveLength(model.runs.length);
  const closed = h.named('run closed');
  for (const run of model.runs) {
    const span = h.runSpan(run.id); // exactly one span per run: ended exactly once
    expect(span.attributes['session_host.close.classification'], run.id).toBe(run.classification);
    expect(span.attributes['session_host.close.provenance'], `${run.id} provenance`).toBe(run.provenance);
    expect(span.attributes['session_host.close.late'], `${run.id} late`).toBe(run.late ? true : undefined);
    const children = closed.filter((c) => c.attributes['session_host.run.id'] === run.id);
    if (run.action === undefined) {
      expect(span.attributes['session_host.lifecycle.action.id'], run.id).toBeUndefined();
      expect(children, run.id).toHaveLength(0);
      expect(span.links).toHaveLength(0);
    } else {
      const root = rootById.get(actions[run.action]!.id)!;
      expect(span.attributes['session_host.lifecycle.action.id'], run.id).toBe(actions[run.action]!.id);
      expect(linkTargets(span)).toEqual([idOf(root)]);
      expect(children, run.id).toHaveLength(1);
      expect(children[0]!.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(linkTargets(children[0]!)).toEqual([idOf(span)]);
    }
  }
  expect(closed).toHaveLength(model.runs.filter((r) => r.action !== undefined).length);
  expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
}

describe('model-based interleavings', () => {
  it('agree with the reference model on every program (250 programs, seeded)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 12, maxLength: 48 }), async (program) => {
        check(await execute(program));
      }),
      { seed: 0x5e55, numRuns: 250, endOnFailure: false },
    );
  }, 120_000);

  it('a hand-written program: overlapping reload and dispose-all, a lost-context abort, a user cancel', async () => {
    const program: Step[] = [
      { op: 'start', scope: 0 },
      { op: 'start', scope: 0 },
      { op: 'start', scope: 1 },
      { op: 'start', scope: 2 },
      { op: 'open', kind: 'instance_reload', scope: 0, register: true },
      { op: 'open', kind: 'instance_dispose_all', scope: 0, register: true },
      { op: 'userCancel', run: 3 },
      { op: 'abortOutside', run: 0 },
      { op: 'abortInAction', action: 0, scope: 0 },
      { op: 'nestedInAction', action: 1, kind: 'instance_dispose', scope: 1 },
      { op: 'close', action: 1 },
      { op: 'close', action: 0 },
    ];
    const result = await execute(program);
    check(result);
    expect(result.model.runs.map((r) => [r.id, r.classification, r.action, r.provenance])).toEqual([
      ['run-0', 'local_instance_dispose', 1, 'scope_registry'],
      ['run-1', 'local_instance_reload', 0, 'context'],
      ['run-2', 'local_instance_dispose', 1, 'context'],
      ['run-3', 'user_cancel', undefined, 'none'],
    ]);
  });
});
