// Host safety: control flow never depends on telemetry, one listener per signal, exact wrapping,
// promises passed through untouched, hostile values ignored, providers per action, safe ids.
import { getEventListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { hashId, SessionLifecycleInstrumentation } from '../src/index.js';
import { boundedId } from '../src/redact.js';
import { captureDiag, setup } from './utils/harness.js';
import { HOST_IS_BUN, hostFixture, runScript } from './utils/processes.js';

const DIR = '/home/carol/src/app';
const RETENTION_FIXTURE = fileURLToPath(new URL('./fixtures/signal-retention-host.mjs', import.meta.url));
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('control flow never depends on telemetry', () => {
  it('closeScope aborts the signals handles own while enabled, disabled, or created disabled', () => {
    for (const mode of ['enabled', 'disabled', 'created-disabled'] as const) {
      const lifecycle = new SessionLifecycleInstrumentation({ enabled: mode !== 'created-disabled' });
      if (mode === 'disabled') lifecycle.disable();
      const read = lifecycle.trackRun({ runId: 'read-before', scope: DIR });
      const signal = read.signal;
      const unread = lifecycle.trackRun({ runId: 'read-after', scope: DIR });
      expect(lifecycle.closeScope(DIR), mode).toBe(2);
      expect(signal.aborted, mode).toBe(true);
      // Read for the first time after its scope was closed: already aborted.
      expect(unread.signal.aborted, mode).toBe(true);
      read.end();
      unread.end();
      expect(lifecycle.closeScope(DIR), mode).toBe(0);
    }
  });
});

describe('one abort listener per AbortSignal', () => {
  it('1,000 runs on one signal: one listener, no MaxListenersExceededWarning, removed with the last run', async () => {
    const h = setup();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const runs = Array.from({ length: 1000 }, (_, i) =>
        h.lifecycle.trackRun({ runId: `shared-${i}`, scope: DIR, signal: controller.signal }),
      );
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      h.lifecycle.action('instance_dispose', () => controller.abort());
      for (const run of runs) run.end({ outcome: 'error' });
      await tick();
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(h.named('run closed')).toHaveLength(1000);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a signal let go after its last run is listened to again by the next, which still sees the abort', async () => {
    const h = setup();
    const controller = new AbortController();
    const other = new AbortController();
    h.lifecycle.trackRun({ runId: 'first', scope: DIR, signal: controller.signal }).end();
    await tick();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const second = h.lifecycle.trackRun({ runId: 'second', scope: DIR, signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    // A run on another signal in between: each run listens to its own.
    h.lifecycle.trackRun({ runId: 'between', scope: DIR, signal: other.signal }).end();
    const third = h.lifecycle.trackRun({ runId: 'third', scope: DIR, signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    h.lifecycle.action('instance_dispose', () => controller.abort());
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    second.end({ outcome: 'error' });
    third.end({ outcome: 'error' });
    await tick();
    expect(h.runSpan('second').attributes['session_host.close.classification']).toBe('local_instance_dispose');
    expect(h.runSpan('third').attributes['session_host.close.classification']).toBe('local_instance_dispose');
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
  });

  it('signals taking turns: each keeps one listener and its own runs, and every listener goes with its runs', async () => {
    const h = setup();
    const a = new AbortController();
    const b = new AbortController();
    const fromA = [0, 1, 2].map((i) => h.lifecycle.trackRun({ runId: `a-${i}`, scope: DIR, signal: a.signal }));
    const onB = h.lifecycle.trackRun({ runId: 'b-0', scope: DIR, signal: b.signal });
    // A back on a after b took its place: its runs are found again, not listened to twice.
    fromA.push(h.lifecycle.trackRun({ runId: 'a-3', scope: DIR, signal: a.signal }));
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(1);
    expect(getEventListeners(b.signal, 'abort')).toHaveLength(1);
    h.lifecycle.action('instance_dispose', () => a.abort());
    // Decided at the abort, in the action's context: every run on a was found by its listener.
    expect(fromA.map((run) => run.classification)).toEqual(Array(4).fill('local_instance_dispose'));
    expect(onB.classification).toBeUndefined();
    for (const run of fromA) run.end({ outcome: 'error' });
    onB.end();
    await tick();
    for (let i = 0; i < 4; i++) {
      expect(h.runSpan(`a-${i}`).attributes['session_host.close.provenance']).toBe('context');
    }
    expect(h.runSpan('b-0').attributes['session_host.close.classification']).toBe('success');
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(b.signal, 'abort')).toHaveLength(0);
  });

  it('a signal whose run ended is taken up again in the same task, after another signal: the new run keeps the listener', async () => {
    const h = setup();
    const controller = new AbortController();
    const other = new AbortController();
    h.lifecycle.trackRun({ runId: 'ended', scope: DIR, signal: controller.signal }).end();
    const between = h.lifecycle.trackRun({ runId: 'between', scope: DIR, signal: other.signal });
    const again = h.lifecycle.trackRun({ runId: 'again', scope: DIR, signal: controller.signal });
    await tick(); // the let-go of the first run's signal has run: it must not take the new run's listener
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    h.lifecycle.action('instance_dispose', () => controller.abort());
    again.end({ outcome: 'error' });
    between.end();
    await tick();
    expect(h.runSpan('again').attributes['session_host.close.classification']).toBe('local_instance_dispose');
    expect(h.runSpan('ended').attributes['session_host.close.classification']).toBe('success');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
  });

  it('a dispose-all over more signals than the first table of signals takes: every run found at the abort, then and after', async () => {
    const h = setup();
    const fanOut = (prefix: string, count: number) => {
      const controllers = Array.from({ length: count }, () => new AbortController());
      const runs = controllers.map((c, i) =>
        h.lifecycle.trackRun({ runId: `${prefix}-${i}`, scope: DIR, signal: c.signal }),
      );
      h.lifecycle.action('instance_dispose_all', () => {
        for (const c of controllers) c.abort();
      });
      expect(runs.filter((run) => run.classification !== 'local_instance_dispose')).toHaveLength(0);
      for (const run of runs) run.end({ outcome: 'error' });
      return controllers;
    };
    const controllers = [...fanOut('big', 1500), ...fanOut('small', 3)];
    await tick();
    expect(controllers.filter((c) => getEventListeners(c.signal, 'abort').length > 0)).toHaveLength(0);
  });

  it('a signal-like object that keeps every listener added: taken up again in the same task, it is left with none', async () => {
    const h = setup();
    // Not an EventTarget: it keeps a listener added twice, and removes one copy at a time.
    const listeners: unknown[] = [];
    const fake = {
      aborted: false,
      reason: undefined,
      addEventListener: (_type: string, listener: unknown) => listeners.push(listener),
      removeEventListener: (_type: string, listener: unknown) => {
        const at = listeners.indexOf(listener);
        if (at >= 0) listeners.splice(at, 1);
      },
    } as unknown as AbortSignal;
    const other = new AbortController();
    for (let round = 0; round < 3; round++) {
      h.lifecycle.trackRun({ runId: `fake-${round}`, scope: DIR, signal: fake }).end();
      const between = h.lifecycle.trackRun({ runId: `between-${round}`, scope: DIR, signal: other.signal });
      const again = h.lifecycle.trackRun({ runId: `again-${round}`, scope: DIR, signal: fake });
      expect(listeners).toHaveLength(1);
      await tick();
      again.end();
      between.end();
      await tick();
      expect(listeners).toHaveLength(0);
    }
  });

  it('a signal-like object that calls its listeners without `this`: its runs are interrupted at its abort, and it is left with none', async () => {
    const h = setup();
    const listeners: Array<() => void> = [];
    const fake = {
      aborted: false,
      reason: undefined as unknown,
      addEventListener: (_type: string, listener: () => void) => listeners.push(listener),
      removeEventListener: (_type: string, listener: () => void) => {
        const at = listeners.indexOf(listener);
        if (at >= 0) listeners.splice(at, 1);
      },
      abort() {
        this.aborted = true;
        // Each listener called as a plain function, as some hand-written signals do.
        for (const listener of [...listeners]) listener();
      },
    };
    const signal = fake as unknown as AbortSignal;
    const runs = [0, 1].map((i) => h.lifecycle.trackRun({ runId: `plain-${i}`, scope: DIR, signal }));
    expect(listeners).toHaveLength(1);
    h.lifecycle.action('instance_dispose_all', () => fake.abort());
    expect(listeners).toHaveLength(0);
    // Ended later, outside the action: the abort alone explains them.
    await tick();
    for (const run of runs) run.end({ outcome: 'error' });
    expect(runs.map((run) => run.classification)).toEqual(['local_instance_dispose', 'local_instance_dispose']);
    expect(h.runSpan('plain-0').attributes['session_host.close.classification']).toBe('local_instance_dispose');
  });

  it('a controller per run, one after another: a signal aborted after its run ended changes nothing', async () => {
    const h = setup();
    const controllers = Array.from({ length: 3 }, () => new AbortController());
    for (const [i, c] of controllers.entries())
      h.lifecycle.trackRun({ runId: `own-${i}`, scope: DIR, signal: c.signal }).end();
    h.lifecycle.action('instance_dispose', () => controllers[0]!.abort());
    await tick();
    for (const [i, c] of controllers.entries()) {
      expect(h.runSpan(`own-${i}`).attributes['session_host.close.classification']).toBe('success');
      expect(getEventListeners(c.signal, 'abort')).toHaveLength(0);
    }
    expect(h.named('run closed')).toHaveLength(0);
  });

  it("a run on AbortSignal.any() ended inside the source signal's own listener still records its close", async () => {
    const h = setup();
    const source = new AbortController();
    const composed = AbortSignal.any([source.signal]);
    const run = h.lifecycle.trackRun({ runId: 'composed', scope: DIR, signal: composed });
    source.signal.addEventListener('abort', () => run.end({ outcome: 'error' }));
    h.lifecycle.action('instance_reload', () => source.abort());
    await tick();
    const attrs = h.runSpan('composed').attributes;
    expect(attrs['session_host.close.classification']).toBe('local_instance_reload');
    expect(attrs['session_host.close.provenance']).toBe('context');
  });
});

describe('wrapping is exact', () => {
  it('checks every method first: one that cannot be wrapped is named in a TypeError and nothing is touched', () => {
    const h = setup();
    const store = { reload() {}, dispose() {} };
    Object.defineProperty(store, 'dispose', { value: store.dispose, writable: false, configurable: false });
    const before = store.reload;
    expect(() =>
      h.lifecycle.instrumentStore(store, { reload: 'instance_reload', dispose: 'instance_dispose' }),
    ).toThrow(/cannot wrap dispose/);
    expect(store.reload).toBe(before);
  });

  it('enable() after disable() wraps what is on the store now, keeping a method the host replaced', () => {
    const h = setup();
    const store = { reload: () => 'v1' };
    h.lifecycle.instrumentStore(store, { reload: 'instance_reload' });
    h.lifecycle.disable();
    store.reload = () => 'v2';
    h.lifecycle.enable();
    expect(store.reload()).toBe('v2');
    expect(h.actionSpans()).toHaveLength(1);
  });

  it('a prototype method patched after wrapping is what instances call', () => {
    const h = setup();
    class Store {
      reload(): string {
        return 'old';
      }
    }
    const store = new Store();
    h.lifecycle.instrumentStore(store, { reload: 'instance_reload' });
    Store.prototype.reload = () => 'patched';
    expect(store.reload()).toBe('patched');
    expect(h.actionSpans()).toHaveLength(1);
  });

  it('two instrumentations on one store compose in any order of disable and enable', () => {
    const a = setup();
    const b = setup();
    const store = { dispose: (x: number) => x * 2 };
    a.lifecycle.instrumentStore(store, { dispose: 'instance_dispose' });
    b.lifecycle.instrumentStore(store, { dispose: 'instance_dispose' });
    const calls = () => [a.actionSpans().length, b.actionSpans().length];
    expect(store.dispose(1)).toBe(2);
    expect(calls()).toEqual([1, 1]);
    a.lifecycle.disable(); // under b: stays in the chain, passes through
    expect(store.dispose(2)).toBe(4);
    expect(calls()).toEqual([1, 2]);
    a.lifecycle.enable();
    expect(store.dispose(3)).toBe(6);
    expect(calls()).toEqual([2, 3]);
    b.lifecycle.disable(); // on top: unwrapped, a stays
    b.lifecycle.enable();
    a.lifecycle.disable();
    a.lifecycle.enable();
    expect(store.dispose(4)).toBe(8);
    expect(calls()).toEqual([3, 4]);
  });
});

describe('promises pass through untouched', () => {
  it("settles as the host's promise, runs a lazy thenable exactly once, adds no unhandled rejection", async () => {
    const h = setup();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const promise = Promise.resolve('value');
      let thenCalls = 0;
      let runs = 0;
      const lazy = {
        then(resolve: (v: string) => void) {
          thenCalls++;
          runs++;
          resolve('lazy');
        },
      };
      const failing = Promise.reject(new Error('host failure'));
      const store = { a: () => promise, b: () => lazy, c: () => failing };
      h.lifecycle.instrumentStore(store, { a: 'instance_reload', b: 'instance_reload', c: 'instance_dispose' });
      await expect(store.a()).resolves.toBe('value');
      expect(await store.b()).toBe('lazy');
      await expect(store.c()).rejects.toThrow('host failure');
      await tick();
      await tick();
      expect(thenCalls).toBe(1);
      expect(runs).toBe(1);
      expect(unhandled).toEqual([]);
      expect(h.actionSpans().map((s) => s.attributes['session_host.lifecycle.outcome'])).toEqual(['ok', 'ok', 'error']);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('hostile values are ignored, not thrown', () => {
  it('revoked proxies, throwing getters on signals and stores: the host method runs, run.end ends, diag says so', async () => {
    const diag = captureDiag();
    try {
      const h = setup();
      const revoked = Proxy.revocable({}, {});
      revoked.revoke();
      const proxy = revoked.proxy as never;
      expect(h.lifecycle.action('instance_reload', proxy, () => 'ran')).toBe('ran');
      expect(h.lifecycle.action('instance_reload', { scopes: proxy }, () => 'ran')).toBe('ran');
      const store = { dispose: (_x: unknown) => 'disposed' };
      h.lifecycle.instrumentStore(store, { dispose: 'instance_dispose' }, { scopeOf: () => proxy });
      expect(store.dispose(proxy)).toBe('disposed');
      const plain = { reload: (_x: unknown) => 'reloaded' };
      h.lifecycle.instrumentStore(plain, { reload: 'instance_reload' });
      expect(plain.reload(proxy)).toBe('reloaded');
      const signal = new AbortController().signal;
      const hostile = new Proxy(signal, {
        get(target, key) {
          if (key === 'aborted' || key === 'reason') throw new Error('hostile getter');
          const value = Reflect.get(target, key, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const run = h.lifecycle.trackRun({ runId: 'hostile-signal', scope: DIR, signal: hostile });
      run.end();
      expect(h.runSpan('hostile-signal').attributes['session_host.close.classification']).toBe('success');
      const viaProxy = h.lifecycle.trackRun(proxy);
      viaProxy.end();
      expect(() => h.lifecycle.closeScope(proxy)).not.toThrow();
      expect(diag.lines.length).toBeGreaterThan(0);
    } finally {
      diag.restore();
    }
  });
});

describe('providers', () => {
  it("a provider swapped during an open action: its run closed children go to the action span's provider", () => {
    const h = setup();
    const other = new InMemorySpanExporter();
    const controller = new AbortController();
    const run = h.lifecycle.trackRun({ runId: 'swap-victim', scope: DIR, signal: controller.signal });
    h.lifecycle.action('instance_dispose', () => {
      h.lifecycle.setTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(other)] }));
      controller.abort();
    });
    run.end({ outcome: 'error' });
    const [action] = h.actionSpans();
    const [child] = h.named('run closed');
    expect(child!.parentSpanContext?.spanId).toBe(action!.spanContext().spanId);
    expect(other.getFinishedSpans().map((s) => s.name)).not.toContain('run closed');
    // Spans started after the swap go to the new provider.
    h.lifecycle.action('instance_reload', () => undefined);
    expect(other.getFinishedSpans().map((s) => s.name)).toEqual(['lifecycle instance_reload']);
  });
});

describe('ids that look like secrets never leave the process', () => {
  it('keeps UUIDs, ULIDs and short prefixed ids; hashes every credential prefix and anything else', () => {
    const safeIds = ['3f0c2a1e-7b1d-4c8a-9a55-1d2c3b4a5f60', '01HZX3K9Q8W7E6R5T4Y3U2I1O0', 'ses_abc123', 'run-42'];
    // Starting with the first letters of a credential prefix, but not with a prefix.
    safeIds.push('skip-1', 'ghost_7', 'npx', 'x', 'e1', 'Ey-2');
    for (const safe of safeIds) {
      expect(boundedId(safe)).toBe(safe);
    }
    const secrets = [
      'sk-abc123',
      'SK_live_abc',
      'pk_live_abc',
      'rk_test_abc',
      'AKIAABCDEFGHIJKLMNOP',
      'ASIAABCDEFGHIJKLMNOP',
      'ghs_abcdef',
      'AIzaSyA1b2C3',
      'ghp_abcdef',
      'github_pat_11ABC',
      'glpat-abcdef',
      'gsk_abcdef',
      'npm_abcdef',
      'hf_abcdef',
      'xoxb-123',
      'xoxp-123',
      'eyJhbGciOiJIUzI1NiJ9',
      'has.dot',
      'a'.repeat(49),
    ];
    for (const secret of secrets) expect(boundedId(secret), secret).toBe(hashId(secret));
  });
});

describe('the host sees what it sees without the package', () => {
  it('a fire-and-forget call that rejects reaches unhandledRejection once, as it does unwrapped', async () => {
    const run = async (wrapped: boolean) => {
      const { stdout } = await runScript([hostFixture('test/fixtures/unhandled-host.mjs')], {
        WRAPPED: wrapped ? '1' : '0',
      });
      return JSON.parse(stdout.trim().split('\n').at(-1)!) as { reasons: string[]; outcomes: string[] };
    };
    const [plain, wrapped] = await Promise.all([run(false), run(true)]);
    expect(plain.reasons).toEqual(['action failed', 'defined dispose failed', 'store reload failed: 12']);
    expect(wrapped.reasons).toEqual(plain.reasons);
    expect(wrapped.outcomes).toEqual(['instance_dispose:error', 'instance_dispose_all:error', 'instance_reload:error']);
  });

  it('follows a promise library’s eager thenable to its settlement and records its rejection', async () => {
    const h = setup();
    /** A promise library's promise: the work starts at once; `then` only subscribes. */
    class EagerPromise<T> {
      private readonly inner: Promise<T>;
      constructor(executor: (resolve: (v: T) => void, reject: (e: unknown) => void) => void) {
        this.inner = new Promise<T>(executor);
      }
      then<R1, R2>(onFulfilled?: (v: T) => R1, onRejected?: (e: unknown) => R2): Promise<R1 | R2> {
        return this.inner.then(onFulfilled, onRejected) as Promise<R1 | R2>;
      }
      tap(fn: () => void): this {
        fn();
        return this;
      }
    }
    let started = 0;
    const store = {
      dispose: () =>
        new EagerPromise<never>((_, reject) => {
          started++;
          setTimeout(() => reject(new Error('dispose failed')), 30);
        }),
    };
    h.lifecycle.instrumentStore(store, { dispose: 'instance_dispose' });
    const returned = store.dispose();
    expect(returned).toBeInstanceOf(EagerPromise);
    let tapped = false;
    expect(returned.tap(() => (tapped = true))).toBe(returned);
    expect(tapped).toBe(true);
    await expect(returned).rejects.toThrow('dispose failed');
    expect(started).toBe(1);
    const [span] = h.actionSpans();
    const ms = (span!.endTime[0] - span!.startTime[0]) * 1000 + (span!.endTime[1] - span!.startTime[1]) / 1e6;
    expect(ms).toBeGreaterThanOrEqual(25);
    expect(span!.attributes['session_host.lifecycle.outcome']).toBe('error');
  });
});

describe('signals are not kept', () => {
  it.skipIf(HOST_IS_BUN)(
    'keeps no signal alive once its runs have ended however they ended, or were dropped unended with no scope',
    async () => {
      const result = await runScript([hostFixture(RETENTION_FIXTURE)], {});
      const report = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
      expect(report).toEqual({ signals: 3454, alive: 0, inFlight: 0 });
    },
  );
});
