// How a close is attributed: ended actions explain nothing, cancels keep their meaning, late
// reports keep their action, and the host can name the action itself.
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { lifecycleClose, userCancel } from '../src/index.js';
import { captureDiag, hostRun, idOf, linkTargets, setup } from './utils/harness.js';

const DIR = '/home/alice/projects/app';
const OTHER = '/home/alice/projects/other';
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('an action that has ended explains nothing', () => {
  it('a run started during a reload and crashing later in its async context is unknown_scope_close', async () => {
    const h = setup();
    let later!: (fn: () => void) => void;
    const crash = new AbortController();
    await h.lifecycle.action('instance_reload', { scopes: [DIR] }, async () => {
      const run = h.lifecycle.trackRun({ runId: 'started-in-reload', scope: DIR, signal: crash.signal });
      crash.signal.addEventListener('abort', () => run.end({ outcome: 'error', error: crash.signal.reason }));
      const snapshot = AsyncLocalStorage.snapshot();
      later = (fn) => snapshot(fn);
    });
    later(() => crash.abort(new Error('worker exited')));
    const span = h.runSpan('started-in-reload');
    expect(span.attributes['session_host.close.classification']).toBe('unknown_scope_close');
    expect(span.attributes['session_host.close.missing_provenance']).toEqual(['lifecycle.close_requested']);
    expect(h.closedRunSpan('started-in-reload')).toBeUndefined();
    expect(h.actionSpans()[0]!.attributes['session_host.lifecycle.runs_interrupted']).toBe(0);
  });

  it('an abort fired by a timer the action created, after it ended, falls through to unknown_scope_close', async () => {
    const h = setup();
    const controller = new AbortController();
    const run = h.lifecycle.trackRun({ runId: 'timer-victim', scope: OTHER, signal: controller.signal });
    const fired = new Promise<void>((resolve) => {
      h.lifecycle.action('instance_reload', () => {
        setTimeout(() => {
          controller.abort();
          run.end({ outcome: 'error', error: controller.signal.reason });
          resolve();
        }, 5);
      });
    });
    await fired;
    const span = h.runSpan('timer-victim');
    expect(span.attributes['session_host.close.classification']).toBe('unknown_scope_close');
    expect(span.attributes['session_host.close.provenance']).toBe('none');
    expect(span.attributes['session_host.lifecycle.action.id']).toBeUndefined();
    expect(span.links).toHaveLength(0);
    expect(h.named('run closed')).toHaveLength(0);
  });

  it("a user cancel in an ended action's context stays user_cancel", async () => {
    const h = setup();
    let inReload!: (fn: () => void) => void;
    await h.lifecycle.action('instance_reload', async () => {
      const snapshot = AsyncLocalStorage.snapshot();
      inReload = (fn) => snapshot(fn);
    });
    const { controller, run } = hostRun(h.lifecycle, OTHER, 'cancelled-later');
    inReload(() => {
      controller.abort();
      run.end({ outcome: 'user_cancel' });
    });
    expect(h.runSpan('cancelled-later').attributes['session_host.close.classification']).toBe('user_cancel');
  });

  it("an action started from an ended action's timer is a new root, not its child", async () => {
    const h = setup();
    let inReload!: (fn: () => void) => void;
    await h.lifecycle.action('instance_reload', async () => {
      const snapshot = AsyncLocalStorage.snapshot();
      inReload = (fn) => snapshot(fn);
    });
    inReload(() => h.lifecycle.action('instance_dispose', () => undefined));
    const [reload, dispose] = h.actionSpans();
    expect(dispose!.name).toBe('lifecycle instance_dispose');
    expect(dispose!.parentSpanContext).toBeUndefined();
    expect(dispose!.spanContext().traceId).not.toBe(reload!.spanContext().traceId);
  });
});

describe('an outer action waits for the calls it joined', () => {
  it('a dispose-all that fires dispose per instance without awaiting counts every run and ends last', async () => {
    const h = setup();
    const store = {
      dirs: [DIR, OTHER],
      runs: new Map<string, AbortController[]>(),
      async dispose(dir: string) {
        await tick();
        for (const c of this.runs.get(dir) ?? []) c.abort();
      },
      disposeAll() {
        for (const dir of this.dirs) void this.dispose(dir); // not awaited
      },
    };
    h.lifecycle.instrumentStore(store, { dispose: 'instance_dispose', disposeAll: 'instance_dispose_all' });
    const runs = [DIR, DIR, OTHER].map((dir, i) => {
      const r = hostRun(h.lifecycle, dir, `fan-${i}`);
      store.runs.set(dir, [...(store.runs.get(dir) ?? []), r.controller]);
      return r;
    });
    store.disposeAll();
    await Promise.all(runs.map((r) => r.ended));
    await tick();
    const [root] = h.actionSpans();
    expect(h.actionSpans()).toHaveLength(1);
    expect(root!.attributes['session_host.lifecycle.runs_interrupted']).toBe(3);
    expect(root!.attributes['session_host.lifecycle.scope_keys']).toHaveLength(2);
    const children = h.named('run closed');
    expect(children).toHaveLength(3);
    const endMs = root!.endTime[0] * 1e3 + root!.endTime[1] / 1e6;
    for (const child of children) {
      expect(child.parentSpanContext?.spanId).toBe(root!.spanContext().spanId);
      expect(child.startTime[0] * 1e3 + child.startTime[1] / 1e6).toBeLessThanOrEqual(endMs + 1);
    }
  });
});

describe('cancels keep their meaning', () => {
  it("the README's pattern, abort then end as user_cancel, is user_cancel (and the other order too)", () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR, 'abort-first');
    a.controller.abort();
    a.run.end({ outcome: 'user_cancel' });
    const b = hostRun(h.lifecycle, DIR, 'end-first');
    b.run.end({ outcome: 'user_cancel' });
    b.controller.abort();
    for (const id of ['abort-first', 'end-first']) {
      const span = h.runSpan(id);
      expect(span.attributes['session_host.close.classification'], id).toBe('user_cancel');
      expect(span.attributes['session_host.close.summary_key'], id).toBe('user_cancel.user_requested');
      expect(span.attributes['error.type'], id).toBeUndefined();
    }
  });

  it('an open action that closed the run still wins over a user_cancel end', () => {
    const h = setup();
    const { controller, run } = hostRun(h.lifecycle, DIR, 'closed-by-reload');
    h.lifecycle.action('instance_reload', () => controller.abort());
    run.end({ outcome: 'user_cancel' });
    expect(h.runSpan('closed-by-reload').attributes['session_host.close.classification']).toBe('local_instance_reload');
  });

  it('abort reasons say why: userCancel() and lifecycleClose(kind); an unknown reason changes nothing', async () => {
    const h = setup();
    const cancel = hostRun(h.lifecycle, DIR, 'reason-cancel');
    const evicted = hostRun(h.lifecycle, OTHER, 'reason-evicted');
    const other = hostRun(h.lifecycle, OTHER, 'reason-other');
    const reason = userCancel();
    cancel.controller.abort(reason);
    evicted.controller.abort(lifecycleClose('idle_eviction'));
    other.controller.abort(new Error('something else'));
    await Promise.all([cancel.ended, evicted.ended, other.ended]);
    expect(reason.name).toBe('AbortError');
    expect(h.runSpan('reason-cancel').attributes['session_host.close.classification']).toBe('user_cancel');
    const ev = h.runSpan('reason-evicted').attributes;
    expect(ev['session_host.close.classification']).toBe('known_lifecycle_close');
    expect(ev['session_host.lifecycle.kind']).toBe('idle_eviction');
    expect(h.runSpan('reason-other').attributes['session_host.close.classification']).toBe('unknown_scope_close');
    // The fingerprint keeps the bounded name of the reason's class.
    expect(h.runSpan('reason-cancel').attributes['session_host.run.error.fingerprint']).toBe('AbortError');
  });
});

describe('late reports keep their action', () => {
  it('a close reported after the action ended, within the window, names it: scope_registry, late', async () => {
    const h = setup();
    const victim = new AbortController();
    const run = h.lifecycle.trackRun({ runId: 'victim', scope: DIR, signal: victim.signal });
    const unrelated = h.lifecycle.trackRun({ runId: 'unrelated', scope: OTHER, signal: new AbortController().signal });
    await h.lifecycle.action('instance_dispose', { scopes: [DIR] }, async () => undefined);
    const started = h.lifecycle.trackRun({ runId: 'started-after', scope: DIR, signal: new AbortController().signal });
    // The victim notices in its own context, after the action ended.
    victim.abort();
    run.end({ outcome: 'error', error: victim.signal.reason });
    started.interrupted();
    started.end({ outcome: 'error' });
    unrelated.end();
    const [root] = h.actionSpans();
    const span = h.runSpan('victim');
    expect(span.attributes['session_host.close.classification']).toBe('local_instance_dispose');
    expect(span.attributes['session_host.close.provenance']).toBe('scope_registry');
    expect(span.attributes['session_host.close.late']).toBe(true);
    expect(span.attributes['session_host.lifecycle.action.id']).toBe(
      root!.attributes['session_host.lifecycle.action.id'],
    );
    expect(linkTargets(span)).toEqual([idOf(root!)]);
    const child = h.closedRunSpan('victim')!;
    expect(child.parentSpanContext?.spanId).toBe(root!.spanContext().spanId);
    expect(child.attributes['session_host.close.late']).toBe(true);
    // A run that started after the action closed the scope is not its victim.
    expect(h.runSpan('started-after').attributes['session_host.close.classification']).toBe('unknown_scope_close');
    expect(h.lifecycle.snapshot().late_closes).toBe(1);
  });

  it('past the window the close is unknown_scope_close; a user cancel beats a late candidate', async () => {
    const h = setup({ lateCloseWindowMs: 1 });
    const a = hostRun(h.lifecycle, DIR, 'too-late');
    const b = setup();
    const c = hostRun(b.lifecycle, DIR, 'cancelled');
    await h.lifecycle.action('instance_dispose', { scopes: [DIR] }, async () => undefined);
    await b.lifecycle.action('instance_dispose', { scopes: [DIR] }, async () => undefined);
    await new Promise((r) => setTimeout(r, 10));
    a.controller.abort();
    await a.ended;
    c.controller.abort();
    c.run.end({ outcome: 'user_cancel' });
    expect(h.runSpan('too-late').attributes['session_host.close.classification']).toBe('unknown_scope_close');
    expect(b.runSpan('cancelled').attributes['session_host.close.classification']).toBe('user_cancel');
    expect(b.named('run closed')).toHaveLength(0);
  });

  it('closedBy names the action explicitly, at the end or at the interrupt; an unknown id is ignored', async () => {
    const diag = captureDiag();
    try {
      const h = setup();
      const handle = h.lifecycle.begin('maintenance_dispose');
      const r1 = h.lifecycle.trackRun({ runId: 'named-at-end', scope: DIR });
      const r2 = h.lifecycle.trackRun({ runId: 'named-at-interrupt', scope: OTHER });
      const r3 = h.lifecycle.trackRun({ runId: 'named-wrong', scope: OTHER });
      r1.end({ outcome: 'error', closedBy: handle.id });
      handle.end();
      r2.interrupted({ closedBy: handle.id });
      r2.end({ outcome: 'error' });
      r3.interrupted({ closedBy: 'instance_dispose-nope-1' });
      r3.end({ outcome: 'error' });
      const atEnd = h.runSpan('named-at-end').attributes;
      expect(atEnd['session_host.close.classification']).toBe('known_lifecycle_close');
      expect(atEnd['session_host.close.provenance']).toBe('explicit');
      expect(atEnd['session_host.lifecycle.action.id']).toBe(handle.id);
      expect(atEnd['session_host.close.late']).toBeUndefined();
      const atInterrupt = h.runSpan('named-at-interrupt').attributes;
      expect(atInterrupt['session_host.close.provenance']).toBe('explicit');
      expect(atInterrupt['session_host.close.late']).toBe(true);
      expect(h.actionSpans()[0]!.attributes['session_host.lifecycle.runs_interrupted']).toBe(1);
      expect(h.runSpan('named-wrong').attributes['session_host.close.classification']).toBe('unknown_scope_close');
      expect(diag.lines.some((l) => l.includes('closedBy names no open or recently ended action'))).toBe(true);
    } finally {
      diag.restore();
    }
  });
});

describe('interrupts reported at the end, and who the scope registry may explain', () => {
  it('a run that ends with an interrupt-shaped error before any interrupt is attributed then', async () => {
    const h = setup();
    const fiberLike = h.lifecycle.trackRun({ runId: 'fiber', scope: DIR });
    const aborted = h.lifecycle.trackRun({ runId: 'abort-error', scope: DIR });
    const effectLike = h.lifecycle.trackRun({ runId: 'effect-interrupt', scope: DIR });
    const failed = h.lifecycle.trackRun({ runId: 'plain-error', scope: DIR });
    const interruptCause = Object.assign(new Error('The fiber was interrupted by:'), { name: 'InterruptCause' });
    let release!: () => void;
    const dispose = h.lifecycle.action('instance_dispose', { scopes: [DIR] }, async () => {
      await new Promise<void>((resolve) => (release = resolve));
    });
    // The runs' own finalizers report, outside the action's context, while it is still open.
    fiberLike.end({ outcome: 'error', error: new DOMException('aborted', 'AbortError') });
    aborted.end({ error: Object.assign(new Error('stop'), { name: 'AbortError' }) });
    effectLike.end({ outcome: 'error', error: new Error('All fibers interrupted', { cause: interruptCause }) });
    failed.end({ outcome: 'error', error: new TypeError('tool failed') });
    release();
    await dispose;
    for (const runId of ['fiber', 'abort-error', 'effect-interrupt']) {
      const span = h.runSpan(runId);
      expect(span.attributes['session_host.close.classification'], runId).toBe('local_instance_dispose');
      expect(span.attributes['session_host.close.provenance'], runId).toBe('scope_registry');
      expect(h.closedRunSpan(runId), runId).toBeDefined();
    }
    expect(h.runSpan('plain-error').attributes['session_host.close.classification']).toBe('error');
  });

  it("the signal's own reason is an interrupt; unexplained, it is unknown_scope_close", () => {
    const h = setup();
    const controller = new AbortController();
    const run = h.lifecycle.trackRun({ runId: 'own-reason', scope: OTHER, signal: controller.signal });
    const reason = new Error('worker gone');
    // The host aborts a signal the package does not hear (a clone), then reports its reason.
    Object.defineProperty(controller.signal, 'reason', { value: reason });
    run.end({ outcome: 'error', error: reason });
    expect(h.runSpan('own-reason').attributes['session_host.close.classification']).toBe('unknown_scope_close');
  });

  it('the registry explains only runs that were in the scope when the action registered on it', async () => {
    const h = setup();
    const old = new AbortController();
    const oldRun = h.lifecycle.trackRun({ runId: 'old-instance', scope: DIR, signal: old.signal });
    let release!: () => void;
    const reload = h.lifecycle.action('instance_reload', { scopes: [DIR] }, async () => {
      await new Promise<void>((resolve) => (release = resolve));
    });
    // The new instance is already serving while the reload finishes.
    const fresh = new AbortController();
    const run = h.lifecycle.trackRun({ runId: 'new-instance', scope: DIR, signal: fresh.signal });
    fresh.abort(); // a crash in the new instance, outside any action's context
    run.end({ outcome: 'error', error: fresh.signal.reason });
    old.abort(); // the old instance's run, closed in a context the reload lost
    oldRun.end({ outcome: 'error', error: old.signal.reason });
    release();
    await reload;
    expect(h.runSpan('new-instance').attributes['session_host.close.classification']).toBe('unknown_scope_close');
    expect(h.runSpan('old-instance').attributes['session_host.close.classification']).toBe('local_instance_reload');
  });
});
