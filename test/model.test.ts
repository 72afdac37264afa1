// Model-based interleavings: fast-check writes programs of run starts, lifecycle actions that stay
// open across awaits (commands run inside their async context), nested actions that join them,
// aborts fired outside any action, user cancels, run errors and normal ends. A plain reference
// model says who closed what; after every program the exported spans must agree with it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CloseClassification, RunHandle } from '../src/index.js';
import { idOf, linkTargets, setup } from './utils/harness.js';

const SCOPES = ['/srv/a', '/srv/b', '/srv/c'];
const KINDS = ['instance_reload', 'instance_dispose', 'instance_dispose_directory', 'instance_dispose_all', 'idle_eviction'] as const;
type Kind = (typeof KINDS)[number];
const OUTCOMES = ['completed', 'error', 'user_cancel'] as const;

type Step =
  | { op: 'start'; scope: number }
  | { op: 'open'; kind: Kind; scope: number; register: boolean }
  | { op: 'abortInAction'; action: number; scope: number }
  | { op: 'nestedInAction'; action: number; kind: Kind; scope: number }
  | { op: 'abortOutside'; run: number }
  | { op: 'userCancel'; run: number }
  | { op: 'end'; run: number; outcome: (typeof OUTCOMES)[number] }
  | { op: 'close'; action: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('start' as const), scope: fc.nat(2) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('open' as const), kind: fc.constantFrom(...KINDS), scope: fc.nat(2), register: fc.boolean() }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('abortInAction' as const), action: fc.nat(5), scope: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('nestedInAction' as const), action: fc.nat(5), kind: fc.constantFrom(...KINDS), scope: fc.nat(2) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('abortOutside' as const), run: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('userCancel' as const), run: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('end' as const), run: fc.nat(20), outcome: fc.constantFrom(...OUTCOMES) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('close' as const), action: fc.nat(5) }) },
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
  aborted: boolean;
  ended: boolean;
  classification?: CloseClassification;
  action?: number;
  provenance?: 'context' | 'scope_registry' | 'none';
}
interface ModelAction {
  kind: Kind;
  open: boolean;
  interrupted: number;
}

class Model {
  runs: ModelRun[] = [];
  actions: ModelAction[] = [];
  /** Per scope, the open actions registered on it, oldest first. */
  registry: number[][] = SCOPES.map(() => []);

  register(action: number, scope: number): void {
    if (!this.registry[scope]!.includes(action)) this.registry[scope]!.push(action);
  }
  close(action: number): void {
    this.actions[action]!.open = false;
    this.registry = this.registry.map((stack) => stack.filter((a) => a !== action));
  }
  /** An interrupt of `run` in `context` (an open action, or none). */
  interrupt(run: ModelRun, context: number | undefined, userCancel = false): void {
    if (run.ended || run.classification !== undefined) return;
    let action = context;
    let provenance: ModelRun['provenance'] = 'context';
    if (action === undefined && !userCancel) {
      action = this.registry[run.scope]!.at(-1);
      provenance = 'scope_registry';
    }
    if (action === undefined) {
      run.classification = userCancel ? 'user_cancel' : 'unknown_scope_close';
      run.provenance = 'none';
    } else {
      run.classification = CLASS_OF[this.actions[action]!.kind];
      run.action = action;
      run.provenance = provenance;
      this.actions[action]!.interrupted++;
    }
  }
  end(run: ModelRun, outcome: (typeof OUTCOMES)[number]): void {
    if (run.ended) return;
    run.ended = true;
    run.classification ??= outcome === 'completed' ? 'success' : outcome;
  }
}

// ---- the system under test, driven like a host ---------------------------------------------------

interface RealRun {
  controller: AbortController;
  handle: RunHandle;
}
interface RealAction {
  send(command: () => void): Promise<void>;
  close(): Promise<void>;
  id: string;
  done: Promise<unknown>;
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
    const handle = lifecycle.trackRun({ runId: id, sessionId: `s-${scope}`, scope: SCOPES[scope]!, signal: controller.signal });
    // A host ends an aborted run with the AbortError it caught, a moment later.
    controller.signal.addEventListener('abort', () => queueMicrotask(() => handle.end({ outcome: 'error', error: controller.signal.reason })));
    runs.push({ controller, handle });
    model.runs.push({ id, scope, aborted: false, ended: false });
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
    model.actions.push({ kind, open: true, interrupted: 0 });
    if (register) model.register(index, scope);
    const inbox: Array<{ command: (() => void) | 'close'; done: () => void }> = [];
    let wake: (() => void) | undefined;
    let id = '';
    let opened!: () => void;
    const ready = new Promise<void>((r) => (opened = r));
    const done = lifecycle.action(kind, register ? { scopes: [SCOPES[scope]!] } : {}, async () => {
      id = lifecycle.activeActionId()!;
      opened();
      for (;;) {
        while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
        const next = inbox.shift()!;
        if (next.command === 'close') {
          next.done();
          return;
        }
        next.command();
        await tick();
        next.done();
      }
    });
    await ready;
    const post = (command: (() => void) | 'close') =>
      new Promise<void>((resolve) => {
        inbox.push({ command, done: resolve });
        wake?.();
      });
    actions.push({ send: (command) => post(command), close: () => post('close'), id, done });
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

function check({ h, model, actions }: Awaited<ReturnType<typeof execute>>): void {
  const roots = h.actionSpans();
  expect(roots).toHaveLength(model.actions.length);
  const rootById = new Map(roots.map((r) => [r.attributes['session_host.lifecycle.action.id'], r]));
  for (const [a, action] of model.actions.entries()) {
    const root = rootById.get(actions[a]!.id)!;
    expect(root, `action ${a}`).toBeDefined();
    expect(root.name).toBe(`lifecycle ${action.kind}`);
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes['session_host.lifecycle.runs_interrupted'], `action ${a} interrupted`).toBe(action.interrupted);
  }
  const runSpans = h.named('run');
  expect(runSpans).toHaveLength(model.runs.length);
  const closed = h.named('run closed');
  for (const run of model.runs) {
    const span = h.runSpan(run.id); // exactly one span per run: ended exactly once
    expect(span.attributes['session_host.close.classification'], run.id).toBe(run.classification);
    expect(span.attributes['session_host.close.provenance'], `${run.id} provenance`).toBe(run.provenance);
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
