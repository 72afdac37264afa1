// Lifecycle actions: handles for actions that span calls, declared kinds, reason and origin, the
// scopes a store call targets, and the action watchdog.
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { SessionLifecycleInstrumentation } from '../src/index.js';
import { DIR_A, expectedKey } from './utils/dirs.js';
import { captureDiag, hostRun, setup } from './utils/harness.js';

const DIR = '/home/bob/work/site';
const OTHER = '/home/bob/work/api';
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('action handles', () => {
  it('a deferred disposal keeps the id it returned at request time: one span, its runs counted on it', async () => {
    const h = setup();
    const { controller, run, ended } = hostRun(h.lifecycle, DIR, 'deferred-victim');
    // The request: the host answers with the id at once, and disposes later.
    const handle = h.lifecycle.begin('maintenance_dispose', { scopes: [DIR], reason: 'idle', origin: 'timer' });
    const answered = handle.id;
    expect(h.actionSpans()).toHaveLength(0);
    await tick();
    // The maintenance pass, later and from another async context.
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        handle.run(() => controller.abort());
        resolve();
      }, 1),
    );
    await ended;
    handle.end();
    handle.end(); // idempotent
    const spans = h.actionSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes['session_host.lifecycle.action.id']).toBe(answered);
    expect(spans[0]!.attributes['session_host.lifecycle.runs_interrupted']).toBe(1);
    expect(spans[0]!.attributes['session_host.lifecycle.reason']).toBe('idle');
    expect(spans[0]!.attributes['session_host.lifecycle.origin']).toBe('timer');
    const attrs = h.runSpan('deferred-victim').attributes;
    expect(attrs['session_host.close.classification']).toBe('known_lifecycle_close');
    expect(attrs['session_host.close.provenance']).toBe('context');
    expect(attrs['session_host.lifecycle.action.id']).toBe(answered);
    expect(run.classification).toBe('known_lifecycle_close');
  });

  it('bind() runs a function inside the action; run() after end() just runs it', () => {
    const h = setup();
    const handle = h.lifecycle.begin('instance_reload');
    const ids = handle.bind((x: number) => [x, h.lifecycle.activeActionId()]);
    expect(ids(1)).toEqual([1, handle.id]);
    handle.end({ error: new RangeError('bad') });
    expect(handle.run(() => h.lifecycle.activeActionId())).toBeUndefined();
    const [span] = h.actionSpans();
    expect(span!.attributes['error.type']).toBe('RangeError');
  });

  it('begin() inside an open action joins it: same id, and the outer action waits for its end', () => {
    const h = setup();
    let inner!: ReturnType<typeof h.lifecycle.begin>;
    const outerId = h.lifecycle.action('instance_dispose_all', () => {
      inner = h.lifecycle.begin('instance_dispose', { scopes: [DIR] });
      return h.lifecycle.activeActionId();
    });
    expect(inner.id).toBe(outerId);
    expect(h.actionSpans()).toHaveLength(0); // still open: the joined handle has not ended
    inner.end();
    expect(h.actionSpans()).toHaveLength(1);
  });

  it('an action whose work never settles ends after maxActionAgeMs, marked timed_out', async () => {
    const h = setup({ maxActionAgeMs: 20 });
    const never = new Promise<never>(() => {});
    const returned = h.lifecycle.action('instance_dispose', { scopes: [DIR] }, () => never);
    expect(returned).toBeInstanceOf(Promise);
    expect(h.lifecycle.stateCounts().scopeRegistrations).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    const [span] = h.actionSpans();
    expect(span!.attributes['session_host.lifecycle.timed_out']).toBe(true);
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  });
});

describe('declared kinds', () => {
  it('accepts built-in and declared kinds in the types, and records an undeclared one as unknown_kind', () => {
    const diag = captureDiag();
    try {
      const lifecycle = new SessionLifecycleInstrumentation({ kinds: ['idle_eviction'] });
      lifecycle.action('idle_eviction', () => undefined);
      lifecycle.action('instance_reload', () => undefined);
      // @ts-expect-error a typo of a built-in kind does not compile
      expect(lifecycle.action('instance_dispse', () => 'still runs')).toBe('still runs');
      // @ts-expect-error nor does an undeclared kind on a store
      lifecycle.instrumentStore({ evict() {} }, { evict: 'idle_evict' });
      // @ts-expect-error nor in begin()
      lifecycle.begin('reload').end();
      expect(diag.lines.filter((l) => l.includes("undeclared lifecycle kind 'instance_dispse'"))).toHaveLength(1);
      expect(diag.lines.some((l) => l.includes('idle_eviction, ') || l.includes(', idle_eviction'))).toBe(true);
    } finally {
      diag.restore();
    }
  });
});

describe('reason, origin and the scopes of a store call', () => {
  it('records bounded reason and origin tokens, and drops anything else with a diag message', () => {
    const diag = captureDiag();
    try {
      const h = setup();
      h.lifecycle.action('instance_reload', { reason: 'config_change', origin: 'http' }, () => undefined);
      h.lifecycle.action('instance_reload', { reason: `edited ${DIR}`, origin: 'HTTP' }, () => undefined);
      const [good, bad] = h.actionSpans();
      expect(good!.attributes['session_host.lifecycle.reason']).toBe('config_change');
      expect(good!.attributes['session_host.lifecycle.origin']).toBe('http');
      expect(bad!.attributes['session_host.lifecycle.reason']).toBeUndefined();
      expect(bad!.attributes['session_host.lifecycle.origin']).toBeUndefined();
      expect(diag.lines.filter((l) => l.includes('dropped'))).toHaveLength(2);
      expect(diag.lines.join('\n')).not.toContain('bob');
    } finally {
      diag.restore();
    }
  });

  it('takes scopes from a directory, { directory }, a context object and arrays of them; detailsOf gives reason and origin', async () => {
    const h = setup();
    const store = {
      reload(_ctx: { directory: string; extra?: unknown }) {},
      dispose(_dir: string) {},
      disposeMany(_dirs: Array<string | { directory: string }>) {},
      disposeNothing(_n: number) {},
    };
    h.lifecycle.instrumentStore(
      store,
      {
        reload: 'instance_reload',
        dispose: 'instance_dispose',
        disposeMany: 'instance_dispose',
        disposeNothing: 'instance_dispose',
      },
      { detailsOf: (method) => (method === 'reload' ? { reason: 'config_change', origin: 'signal' } : undefined) },
    );
    store.reload({ directory: DIR, extra: { prompt: 'secret' } });
    store.dispose(OTHER);
    store.disposeMany([DIR, { directory: OTHER }]);
    store.disposeNothing(3);
    const keys = h.actionSpans().map((s) => s.attributes['session_host.lifecycle.scope_keys']);
    const k = (d: string) => h.lifecycle.scopeKey(d);
    expect(keys).toEqual([[k(DIR)], [k(OTHER)], [k(DIR), k(OTHER)], []]);
    expect(h.actionSpans()[0]!.attributes['session_host.lifecycle.reason']).toBe('config_change');
    expect(h.actionSpans()[0]!.attributes['session_host.lifecycle.origin']).toBe('signal');
  });
});

describe('runs without a signal', () => {
  it('say once per instrumentation that they are attributed only through interrupted() and closeScope', () => {
    const diag = captureDiag();
    try {
      const h = setup();
      for (let i = 0; i < 3; i++) h.lifecycle.trackRun({ runId: `n${i}`, scope: DIR }).end();
      const other = setup();
      other.lifecycle.trackRun({ runId: 'n', scope: DIR }).end();
      const lines = diag.lines.filter((l) => l.includes('trackRun without a signal'));
      expect(lines).toHaveLength(2);
      expect(lines[0]).toContain('interrupted()');
    } finally {
      diag.restore();
    }
  });
});

describe('one lifecycle action is one span with a bounded, content-free id', () => {
  it('names the span by kind and carries kind, id, interrupted count and scope keys', async () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR_A, 'run-1');
    await h.lifecycle.action('instance_reload', { scopes: [DIR_A] }, async () => {
      a.controller.abort();
      await a.ended;
    });
    const actions = h.actionSpans();
    expect(actions).toHaveLength(1);
    const span = actions[0]!;
    expect(span.name).toBe('lifecycle instance_reload');
    expect(span.parentSpanContext).toBeUndefined();
    const id = span.attributes['session_host.lifecycle.action.id'];
    expect(id).toMatch(/^instance_reload-[0-9a-z]+-[0-9a-z]+$/);
    expect(String(id).length).toBeLessThanOrEqual(64);
    expect(String(id)).not.toContain('alice');
    expect(span.attributes['session_host.lifecycle.kind']).toBe('instance_reload');
    expect(span.attributes['session_host.lifecycle.runs_interrupted']).toBe(1);
    expect(span.attributes['session_host.lifecycle.runs_omitted']).toBe(0);
    expect(span.attributes['session_host.lifecycle.scope_keys']).toEqual([expectedKey(DIR_A)]);
  });

  it('gives every action its own id, even with the same kind in the same millisecond', () => {
    const h = setup();
    for (let i = 0; i < 50; i++) h.lifecycle.action('instance_dispose', () => undefined);
    const ids = h.actionSpans().map((s) => s.attributes['session_host.lifecycle.action.id']);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
  });

  it('passes return values, sync throws and rejections through unchanged', async () => {
    const h = setup();
    expect(h.lifecycle.action('instance_reload', () => 42)).toBe(42);
    const promise = Promise.resolve('done');
    await expect(h.lifecycle.action('instance_reload', () => promise)).resolves.toBe('done');
    const boom = new TypeError('could not reload /home/alice/projects/secret-alpha');
    expect(() =>
      h.lifecycle.action('instance_reload', () => {
        throw boom;
      }),
    ).toThrow(boom);
    await expect(h.lifecycle.action('instance_dispose', async () => Promise.reject(boom))).rejects.toBe(boom);
    const failed = h.actionSpans().filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(failed).toHaveLength(2);
    for (const span of failed) {
      expect(span.attributes['error.type']).toBe('TypeError');
      expect(span.attributes['session_host.lifecycle.outcome']).toBe('error');
      expect(JSON.stringify(span.attributes) + (span.status.message ?? '')).not.toContain('alice');
    }
  });

  it('ends an async action span before the caller continues', async () => {
    const h = setup();
    await h.lifecycle.action('instance_reload', async () => {
      await new Promise((r) => setTimeout(r, 5));
    });
    expect(h.actionSpans()).toHaveLength(1);
  });

  it('is a child of the host span active when it starts (e.g. the request that asked for it)', () => {
    const h = setup();
    const tracer = h.provider.getTracer('host');
    tracer.startActiveSpan('POST /reload', (request) => {
      h.lifecycle.action('instance_reload', () => undefined);
      request.end();
    });
    const request = h.named('POST /reload')[0]!;
    const action = h.actionSpans()[0]!;
    expect(action.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(action.spanContext().traceId).toBe(request.spanContext().traceId);
  });
});
