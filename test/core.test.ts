import { createHash } from 'node:crypto';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { SessionLifecycleInstrumentation, CLOSE_CLASSIFICATIONS, summaryKeyOf } from '../src/index.js';
import { captureDiag, gate, hostRun, idOf, linkTargets, setup } from './utils/harness.js';

const DIR_A = '/home/alice/projects/secret-alpha';
const DIR_B = '/home/alice/projects/secret-beta';
const DIR_C = '/srv/tenants/bob@example.com/work';

function expectedKey(raw: string): string {
  return 'dir:' + createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

describe('1. one lifecycle action is one span with a bounded, content-free id', () => {
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
    expect(h.lifecycle.action('instance_reload', () => promise)).toBe(promise);
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

describe('2. trackRun and attribution at the moment of the interrupt', () => {
  it('starts a run span with the run attributes and ends it on end()', () => {
    const h = setup();
    const run = h.lifecycle.trackRun({ runId: 'run-1', sessionId: 'sess-9', scope: DIR_A });
    expect(h.named('run')).toHaveLength(0);
    run.end();
    const span = h.runSpan('run-1');
    expect(span.attributes['session_host.session.id']).toBe('sess-9');
    expect(span.attributes['session_host.scope.key']).toBe(expectedKey(DIR_A));
    expect(span.attributes['session_host.close.classification']).toBe('success');
    expect(span.attributes['session_host.close.summary_key']).toBe('success.completed');
  });

  it("annotates the host's own span instead of starting one, and leaves ending it to the host", () => {
    const h = setup();
    const hostSpan = h.provider.getTracer('host').startSpan('invoke_agent');
    const controller = new AbortController();
    const run = h.lifecycle.trackRun({ runId: 'run-2', scope: DIR_A, signal: controller.signal, span: hostSpan });
    h.lifecycle.action('instance_dispose', () => controller.abort());
    run.end({ outcome: 'error', error: controller.signal.reason });
    expect(h.named('run')).toHaveLength(0);
    expect(h.named('invoke_agent')).toHaveLength(0);
    hostSpan.end();
    const span = h.named('invoke_agent')[0]!;
    expect(span.attributes['session_host.run.id']).toBe('run-2');
    expect(span.attributes['session_host.close.classification']).toBe('local_instance_dispose');
    expect(h.closedRunSpan('run-2')!.links[0]!.context.spanId).toBe(span.spanContext().spanId);
  });

  it('uses the action active in the aborting context first (provenance context)', () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR_A, 'run-ctx');
    h.lifecycle.action('instance_dispose', () => a.controller.abort());
    a.run.end();
    const span = h.runSpan('run-ctx');
    expect(span.attributes['session_host.close.provenance']).toBe('context');
    expect(span.attributes['session_host.close.classification']).toBe('local_instance_dispose');
  });

  it('falls back to the scope registry when the abort fires outside any action', async () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR_A, 'run-reg');
    const release = gate();
    await h.lifecycle.action('instance_reload', { scopes: [DIR_A] }, async () => {
      // The abort fires from a timer the host scheduled before the action: no action context.
      setImmediateOutside(() => a.controller.abort());
      await a.ended;
      release.open();
    });
    await release.promise;
    const span = h.runSpan('run-reg');
    expect(span.attributes['session_host.close.provenance']).toBe('scope_registry');
    expect(span.attributes['session_host.close.classification']).toBe('local_instance_reload');
  });

  it('classifies an interrupt that nothing explains as unknown_scope_close', () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR_A, 'run-unknown');
    a.controller.abort();
    a.run.end({ outcome: 'error', error: a.controller.signal.reason });
    const span = h.runSpan('run-unknown');
    expect(span.attributes['session_host.close.classification']).toBe('unknown_scope_close');
    expect(span.attributes['session_host.close.summary_key']).toBe('unknown_scope_close.missing_lifecycle_provenance');
    expect(span.attributes['session_host.close.provenance']).toBe('none');
    expect(span.attributes['session_host.close.missing_provenance']).toEqual(['lifecycle.close_requested']);
    expect(span.attributes['session_host.lifecycle.action.id']).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('unknown_scope_close');
    expect(span.links).toHaveLength(0);
  });

  it('attributes through interrupted() for hosts whose interrupt is not an AbortSignal', () => {
    const h = setup();
    const run = h.lifecycle.trackRun({ runId: 'fiber-1', scope: DIR_A });
    h.lifecycle.action('idle_eviction', () => run.interrupted());
    run.end();
    expect(h.runSpan('fiber-1').attributes['session_host.close.classification']).toBe('known_lifecycle_close');
    expect(h.runSpan('fiber-1').attributes['session_host.lifecycle.kind']).toBe('idle_eviction');
  });

  it('attributes a run whose host listener ends it synchronously inside abort()', () => {
    const h = setup();
    const controller = new AbortController();
    let run: ReturnType<typeof h.lifecycle.trackRun> | undefined;
    controller.signal.addEventListener('abort', () => run!.end({ outcome: 'error' }));
    run = h.lifecycle.trackRun({ runId: 'sync-end', scope: DIR_A, signal: controller.signal });
    h.lifecycle.action('instance_reload', () => controller.abort());
    expect(h.runSpan('sync-end').attributes['session_host.close.classification']).toBe('local_instance_reload');
    expect(h.runSpan('sync-end').attributes['session_host.close.provenance']).toBe('context');
  });
});

/** Runs `fn` from a timer whose async context was captured before any action started. */
const outsideQueue: Array<() => void> = [];
const outsideTimer = setInterval(() => {
  while (outsideQueue.length > 0) outsideQueue.shift()!();
}, 1);
outsideTimer.unref();
function setImmediateOutside(fn: () => void): void {
  outsideQueue.push(fn);
}

describe('3. each interrupted run gets one linked closed-run span; the run span links back', () => {
  it('puts the closed-run span in the action trace, linked once to the run span, with the bounded attributes', () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR_A, 'run-3', 'sess-3');
    h.lifecycle.action('instance_reload', { scopes: [DIR_A] }, () => a.controller.abort());
    a.run.end({ outcome: 'error', error: a.controller.signal.reason });
    const action = h.actionSpans()[0]!;
    const run = h.runSpan('run-3');
    const closed = h.named('run closed');
    expect(closed).toHaveLength(1);
    const child = closed[0]!;
    expect(child.spanContext().traceId).toBe(action.spanContext().traceId);
    expect(child.parentSpanContext?.spanId).toBe(action.spanContext().spanId);
    expect(run.spanContext().traceId).not.toBe(action.spanContext().traceId);
    expect(linkTargets(child)).toEqual([idOf(run)]);
    const actionId = action.attributes['session_host.lifecycle.action.id'];
    expect(child.attributes).toMatchObject({
      'session_host.run.id': 'run-3',
      'session_host.session.id': 'sess-3',
      'session_host.scope.key': expectedKey(DIR_A),
      'session_host.close.classification': 'local_instance_reload',
      'session_host.close.summary_key': 'local_instance_reload.lifecycle_close',
      'session_host.lifecycle.action.id': actionId,
      'session_host.lifecycle.kind': 'instance_reload',
      'session_host.close.provenance': 'context',
    });
    expect(run.attributes).toMatchObject({
      'session_host.close.classification': 'local_instance_reload',
      'session_host.close.summary_key': 'local_instance_reload.lifecycle_close',
      'session_host.lifecycle.action.id': actionId,
      'session_host.lifecycle.kind': 'instance_reload',
      'session_host.run.outcome': 'error',
      'session_host.run.error.fingerprint': 'AbortError',
    });
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    expect(linkTargets(run)).toEqual([idOf(action)]);
  });
});

describe('4. a dispose-all fan-out is one root with a linked child per run', () => {
  it('3 scopes x 4 runs: one root, 12 children, 12 run spans linked back, nested calls join', async () => {
    const h = setup();
    const dirs = [DIR_A, DIR_B, DIR_C];
    const runs = dirs.flatMap((dir, d) => [0, 1, 2, 3].map((i) => hostRun(h.lifecycle, dir, `run-${d}-${i}`)));
    // A store whose disposeAll calls its own dispose per instance, each of them an action too.
    const dispose = (dir: string) =>
      h.lifecycle.action('instance_dispose', { scopes: [dir] }, async () => {
        seenIds.push(h.lifecycle.activeActionId());
        for (const [i, r] of runs.entries()) if (dirs[Math.floor(i / 4)] === dir) r.controller.abort();
        await Promise.all(runs.filter((_, i) => dirs[Math.floor(i / 4)] === dir).map((r) => r.ended));
      });
    const seenIds: Array<string | undefined> = [];
    await h.lifecycle.action('instance_dispose_all', async () => {
      seenIds.push(h.lifecycle.activeActionId());
      await Promise.all(dirs.map(dispose));
    });
    const actions = h.actionSpans();
    expect(actions).toHaveLength(1);
    const root = actions[0]!;
    expect(root.name).toBe('lifecycle instance_dispose_all');
    expect(root.parentSpanContext).toBeUndefined();
    const rootId = root.attributes['session_host.lifecycle.action.id'];
    expect(seenIds).toEqual([rootId, rootId, rootId, rootId]);
    expect(root.attributes['session_host.lifecycle.runs_interrupted']).toBe(12);
    expect(new Set(root.attributes['session_host.lifecycle.scope_keys'] as string[])).toEqual(new Set(dirs.map(expectedKey)));
    const children = h.named('run closed');
    expect(children).toHaveLength(12);
    for (const child of children) {
      expect(child.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(child.spanContext().traceId).toBe(root.spanContext().traceId);
      const runId = child.attributes['session_host.run.id'] as string;
      expect(linkTargets(child)).toEqual([idOf(h.runSpan(runId))]);
    }
    const runSpans = h.named('run');
    expect(runSpans).toHaveLength(12);
    for (const run of runSpans) {
      expect(linkTargets(run)).toEqual([idOf(root)]);
      expect(run.attributes['session_host.lifecycle.action.id']).toBe(rootId);
      expect(run.attributes['session_host.close.classification']).toBe('local_instance_dispose');
    }
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  });
});

describe('5. overlapping actions on one scope', () => {
  async function overlap(first: 'instance_reload' | 'instance_dispose_all') {
    const h = setup();
    const r1 = hostRun(h.lifecycle, DIR_A, 'r1');
    const r2 = hostRun(h.lifecycle, DIR_A, 'r2');
    const second = first === 'instance_reload' ? 'instance_dispose_all' : 'instance_reload';
    const firstMayAbort = gate();
    const secondDone = gate();
    const ids: Record<string, string | undefined> = {};
    const firstAction = h.lifecycle.action(first, { scopes: [DIR_A] }, async () => {
      ids[first] = h.lifecycle.activeActionId();
      await firstMayAbort.promise;
      r2.controller.abort();
      await r2.ended;
    });
    // Started from outside the first action's context, while the first is still open.
    await new Promise<void>((resolve) => outsideQueue.push(resolve));
    const secondAction = outsideRun(() =>
      h.lifecycle.action(second, { scopes: [DIR_A] }, async () => {
        ids[second] = h.lifecycle.activeActionId();
        expect(h.lifecycle.stateCounts().scopeRegistrations).toBe(2);
        r1.controller.abort();
        await r1.ended;
        firstMayAbort.open();
        await secondDone.promise;
      }),
    );
    await firstAction;
    secondDone.open();
    await secondAction;
    const byKind = (kind: string) => ids[kind];
    expect(h.runSpan('r1').attributes['session_host.lifecycle.action.id']).toBe(byKind(second));
    expect(h.runSpan('r2').attributes['session_host.lifecycle.action.id']).toBe(byKind(first));
    expect(h.runSpan('r1').attributes['session_host.close.provenance']).toBe('context');
    expect(h.runSpan('r2').attributes['session_host.close.provenance']).toBe('context');
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  }

  it('reload first, then a dispose-all reaches the scope while the reload is open', () => overlap('instance_reload'));
  it('dispose-all first, then a reload reaches the scope while the dispose-all is open', () => overlap('instance_dispose_all'));

  it('actions leave the registry by identity, in any order', async () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR_A, 'late');
    const endFirst = gate();
    const endSecond = gate();
    const ids: string[] = [];
    const first = h.lifecycle.action('instance_reload', { scopes: [DIR_A] }, async () => {
      ids.push(h.lifecycle.activeActionId()!);
      await endFirst.promise;
    });
    const second = outsideRun(() =>
      h.lifecycle.action('idle_eviction', { scopes: [DIR_A] }, async () => {
        ids.push(h.lifecycle.activeActionId()!);
        await endSecond.promise;
      }),
    );
    // The newer registration ends first: the older one is the scope's top again.
    endSecond.open();
    await second;
    expect(h.lifecycle.stateCounts().scopeRegistrations).toBe(1);
    await new Promise<void>((resolve) => outsideQueue.push(() => (a.controller.abort(), resolve())));
    await a.ended;
    expect(h.runSpan('late').attributes['session_host.lifecycle.action.id']).toBe(ids[0]);
    expect(h.runSpan('late').attributes['session_host.close.provenance']).toBe('scope_registry');
    endFirst.open();
    await first;
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  });
});

/** Calls fn from the outside timer's context (no action active), returning its result. */
function outsideRun<T>(fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => outsideQueue.push(() => fn().then(resolve, reject)));
}

describe('6. an interrupt where the async context is lost', () => {
  it('is attributed through the scope registry', async () => {
    const h = setup();
    const a = hostRun(h.lifecycle, DIR_B, 'lost-1');
    // A callback registered before the action, resolved from inside it: it runs in the
    // registering context, where no action is active.
    const trigger = gate();
    void trigger.promise.then(() => a.controller.abort());
    await h.lifecycle.action('instance_dispose_directory', { scopes: [DIR_B] }, async () => {
      trigger.open();
      await a.ended;
    });
    const span = h.runSpan('lost-1');
    expect(span.attributes['session_host.close.provenance']).toBe('scope_registry');
    expect(span.attributes['session_host.close.classification']).toBe('local_instance_dispose');
    expect(span.attributes['session_host.lifecycle.kind']).toBe('instance_dispose_directory');
    expect(h.closedRunSpan('lost-1')!.attributes['session_host.close.provenance']).toBe('scope_registry');
  });
});

describe('7. classification vocabulary and precedence', () => {
  it('has the design vocabulary and summary keys, plus abandoned for runs nobody ends', () => {
    expect(CLOSE_CLASSIFICATIONS.map((c) => summaryKeyOf(c))).toEqual([
      'success.completed',
      'error.run_failed',
      'user_cancel.user_requested',
      'local_instance_reload.lifecycle_close',
      'local_instance_dispose.lifecycle_close',
      'known_lifecycle_close.lifecycle_close',
      'unknown_scope_close.missing_lifecycle_provenance',
      'abandoned.max_age_exceeded',
    ]);
    expect(summaryKeyOf('local_instance_reload', true)).toBe('local_instance_reload.end_not_observed');
  });

  it('maps every kind to its classification; an undeclared kind explains nothing', () => {
    const h = setup({ kinds: ['constructor', 'idle_eviction'] });
    const kinds = ['instance_reload', 'instance_dispose', 'instance_dispose_directory', 'instance_dispose_all', 'constructor', 'idle_eviction', 'instance_dispse'];
    for (const kind of kinds) {
      const run = h.lifecycle.trackRun({ runId: `k-${kind}`, scope: DIR_A });
      h.lifecycle.action(kind, () => run.interrupted());
      run.end();
    }
    const got = kinds.map((k) => h.runSpan(`k-${k}`).attributes['session_host.close.classification']);
    expect(got).toEqual([
      'local_instance_reload',
      'local_instance_dispose',
      'local_instance_dispose',
      'local_instance_dispose',
      'known_lifecycle_close',
      'known_lifecycle_close',
      'unknown_scope_close',
    ]);
    const typo = h.runSpan('k-instance_dispse').attributes;
    expect(typo['session_host.lifecycle.kind']).toBe('unknown_kind');
    expect(typo['session_host.close.summary_key']).toBe('unknown_scope_close.undeclared_kind');
  });

  it('a scope close wins over an error recorded before it and an error reported after it', () => {
    const h = setup();
    const before = h.lifecycle.trackRun({ runId: 'err-before', scope: DIR_A });
    before.recordError(new Error('tool failed'));
    const after = hostRun(h.lifecycle, DIR_A, 'err-after');
    h.lifecycle.action('instance_reload', () => {
      before.interrupted();
      after.controller.abort();
    });
    before.end({ outcome: 'error' });
    after.run.end({ outcome: 'error', error: new Error('AbortError caught') });
    for (const id of ['err-before', 'err-after']) {
      const span = h.runSpan(id);
      expect(span.attributes['session_host.close.classification']).toBe('local_instance_reload');
      expect(span.attributes['session_host.run.outcome']).toBe('error');
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes['error.type']).toBeUndefined();
    }
  });

  it('a failed run is error; a user cancel never interrupted is user_cancel, not a scope close', () => {
    const h = setup();
    const failed = h.lifecycle.trackRun({ runId: 'failed', scope: DIR_A });
    failed.end({ outcome: 'error', error: Object.assign(new RangeError('x'), { code: 'ERR_OUT_OF_RANGE' }) });
    const cancelled = h.lifecycle.trackRun({ runId: 'cancelled', scope: DIR_A });
    cancelled.end({ outcome: 'user_cancel' });
    const marked = hostRun(h.lifecycle, DIR_A, 'marked');
    marked.run.interrupted({ userCancel: true });
    marked.controller.abort();
    marked.run.end({ outcome: 'error' });
    const f = h.runSpan('failed');
    expect(f.attributes['session_host.close.classification']).toBe('error');
    expect(f.attributes['session_host.close.summary_key']).toBe('error.run_failed');
    expect(f.attributes['error.type']).toBe('error');
    expect(f.attributes['session_host.run.error.fingerprint']).toBe('RangeError:ERR_OUT_OF_RANGE');
    expect(f.status).toEqual({ code: SpanStatusCode.ERROR, message: 'error' });
    for (const id of ['cancelled', 'marked']) {
      const c = h.runSpan(id);
      expect(c.attributes['session_host.close.classification']).toBe('user_cancel');
      expect(c.attributes['session_host.close.summary_key']).toBe('user_cancel.user_requested');
      expect(c.status.code).toBe(SpanStatusCode.UNSET);
    }
  });

  it('a user cancel inside an active action is still the lifecycle close', () => {
    const h = setup();
    const run = h.lifecycle.trackRun({ runId: 'uc', scope: DIR_A });
    h.lifecycle.action('instance_dispose', () => run.interrupted({ userCancel: true }));
    run.end({ outcome: 'user_cancel' });
    expect(h.runSpan('uc').attributes['session_host.close.classification']).toBe('local_instance_dispose');
  });

  it('a run ended twice ends its span once and keeps the first outcome', () => {
    const h = setup();
    const run = h.lifecycle.trackRun({ runId: 'twice', scope: DIR_A });
    run.end({ outcome: 'completed' });
    run.end({ outcome: 'error', error: new Error('late') });
    run.interrupted();
    expect(h.named('run')).toHaveLength(1);
    expect(h.runSpan('twice').attributes['session_host.close.classification']).toBe('success');
    expect(run.classification).toBe('success');
  });
});

describe('8. no raw scope or message on the wire; bounded values', () => {
  it('exports only scope keys, bounded ids and error fingerprints', async () => {
    const h = setup();
    const secret = 'sk-live-51Habcdefghijklmnop';
    const prompt = 'please refactor the billing module for alice@example.com';
    const a = hostRun(h.lifecycle, DIR_A, secret, 'alice@example.com');
    const b = hostRun(h.lifecycle, DIR_C, 'x'.repeat(5000), prompt);
    const c = h.lifecycle.trackRun({ runId: '/home/alice/run', scope: DIR_B });
    await h.lifecycle.action('instance_dispose_all', { scopes: [DIR_A, DIR_B, DIR_C] }, async () => {
      a.controller.abort(new Error(`aborted while editing ${DIR_A} for ${prompt}`));
      b.controller.abort();
      await Promise.all([a.ended, b.ended]);
    });
    c.end({ outcome: 'error', error: Object.assign(new Error(`ENOENT ${DIR_B}`), { name: `Err ${DIR_B}`, code: 'ENOENT' }) });
    const spans = h.spans();
    expect(spans.length).toBe(6);
    const wire = JSON.stringify(
      spans.map((s) => ({ n: s.name, a: s.attributes, e: s.events, l: s.links, st: s.status })),
    );
    for (const canary of ['alice', '/home', '/srv', 'bob@', 'sk-live', 'refactor', 'xxxxxxxx', 'ENOENT /']) {
      expect(wire).not.toContain(canary);
    }
    for (const span of spans) {
      for (const value of Object.values(span.attributes)) {
        const values = Array.isArray(value) ? value : [value];
        for (const v of values) if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(128);
      }
      const key = span.attributes['session_host.scope.key'];
      if (key !== undefined) expect(key).toMatch(/^dir:[0-9a-f]{16}$/);
    }
    const hashedSecret = 'h:' + createHash('sha256').update(secret).digest('hex').slice(0, 16);
    expect(h.named('run').map((s) => s.attributes['session_host.run.id'])).toContain(hashedSecret);
    const hashedPath = 'h:' + createHash('sha256').update('/home/alice/run').digest('hex').slice(0, 16);
    expect(h.runSpan(hashedPath).attributes['session_host.run.error.fingerprint']).toBe('Error:ENOENT');
  });
});

describe('9. fan-out cap', () => {
  it('caps closed-run children per action, counts the omitted, and keeps every run linked', async () => {
    const h = setup({ maxClosedRunSpansPerAction: 5 });
    const runs = Array.from({ length: 8 }, (_, i) => hostRun(h.lifecycle, i % 2 ? DIR_A : DIR_B, `cap-${i}`));
    await h.lifecycle.action('instance_dispose_all', async () => {
      for (const r of runs) r.controller.abort();
      await Promise.all(runs.map((r) => r.ended));
    });
    const root = h.actionSpans()[0]!;
    expect(h.named('run closed')).toHaveLength(5);
    expect(root.attributes['session_host.lifecycle.runs_interrupted']).toBe(8);
    expect(root.attributes['session_host.lifecycle.runs_omitted']).toBe(3);
    for (let i = 0; i < 8; i++) {
      const run = h.runSpan(`cap-${i}`);
      expect(run.attributes['session_host.close.classification']).toBe('local_instance_dispose');
      expect(run.attributes['session_host.lifecycle.action.id']).toBe(root.attributes['session_host.lifecycle.action.id']);
      expect(linkTargets(run)).toEqual([idOf(root)]);
    }
  });

  it('bounds the scope keys on the action span and counts the rest', () => {
    const h = setup({ maxScopeKeysPerAction: 3 });
    const dirs = Array.from({ length: 7 }, (_, i) => `/tmp/dir-${i}`);
    h.lifecycle.action('instance_dispose_all', { scopes: dirs }, () => undefined);
    const root = h.actionSpans()[0]!;
    expect(root.attributes['session_host.lifecycle.scope_keys']).toHaveLength(3);
    expect(root.attributes['session_host.lifecycle.scope_keys_omitted']).toBe(4);
  });
});

describe('10. nothing retained, nothing thrown into the host', () => {
  it('holds no state once runs and actions end', async () => {
    const h = setup();
    const runs = Array.from({ length: 20 }, (_, i) => hostRun(h.lifecycle, `/tmp/s-${i % 4}`, `m-${i}`));
    expect(h.lifecycle.stateCounts().runsInFlight).toBe(20);
    await h.lifecycle.action('instance_dispose_all', { scopes: ['/tmp/s-0', '/tmp/s-1'] }, async () => {
      for (const r of runs.slice(0, 10)) r.controller.abort();
      await Promise.all(runs.slice(0, 10).map((r) => r.ended));
    });
    for (const r of runs.slice(10)) r.run.end();
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  });

  it('survives throwing hooks', async () => {
    const diag = captureDiag();
    try {
      const h = setup({
        actionHook: () => {
          throw new Error(`hook failed on ${DIR_A}`);
        },
        runCloseHook: () => {
          throw new Error('hook failed');
        },
      });
      const a = hostRun(h.lifecycle, DIR_A, 'hooked');
      await h.lifecycle.action('instance_reload', async () => {
        a.controller.abort();
        await a.ended;
      });
      expect(h.actionSpans()).toHaveLength(1);
      expect(h.runSpan('hooked').attributes['session_host.close.classification']).toBe('local_instance_reload');
      expect(diag.lines.some((l) => l.includes('actionHook failed'))).toBe(true);
      expect(diag.lines.some((l) => l.includes('runCloseHook failed'))).toBe(true);
      expect(diag.lines.join('\n')).not.toContain('alice');
    } finally {
      diag.restore();
    }
  });

  it('survives a tracer provider whose tracer throws', async () => {
    const diag = captureDiag();
    try {
      const lifecycle = new SessionLifecycleInstrumentation();
      lifecycle.setTracerProvider({
        getTracer: () => ({
          startSpan: () => {
            throw new Error('broken tracer');
          },
          startActiveSpan: () => {
            throw new Error('broken tracer');
          },
        }),
      });
      const controller = new AbortController();
      const run = lifecycle.trackRun({ runId: 'r', scope: DIR_A, signal: controller.signal });
      expect(run.signal).toBe(controller.signal);
      expect(await lifecycle.action('instance_reload', async () => 'still reloaded')).toBe('still reloaded');
      controller.abort();
      run.end();
      expect(lifecycle.stateCounts().runsInFlight).toBe(0);
      expect(diag.lines.some((l) => l.includes('could not start a lifecycle action'))).toBe(true);
      expect(diag.lines.some((l) => l.includes('trackRun failed'))).toBe(true);
    } finally {
      diag.restore();
    }
  });

  it('records a bad or undeclared kind as unknown_kind with one diag error per value, and still runs the host operation', () => {
    const diag = captureDiag();
    try {
      const h = setup();
      for (const kind of ['Instance Reload', '', 'x'.repeat(41), '9lives', `reload ${DIR_A}`, 'instance_dispse', 'instance_dispse']) {
        expect(h.lifecycle.action(kind, () => 'ran')).toBe('ran');
      }
      expect(h.actionSpans().map((s) => s.attributes['session_host.lifecycle.kind'])).toEqual(Array(7).fill('unknown_kind'));
      const errors = diag.lines.filter((l) => l.includes('undeclared lifecycle kind'));
      // One per distinct value; values that are not tokens are named by type and length only.
      expect(errors).toHaveLength(6);
      expect(errors.some((l) => l.includes("'instance_dispse'") && l.includes('instance_dispose_all'))).toBe(true);
      expect(diag.lines.join('\n')).not.toContain('alice');
    } finally {
      diag.restore();
    }
  });

  it('bounds hostile trackRun input instead of throwing', () => {
    const diag = captureDiag();
    try {
      const h = setup();
      const hostile = {
        get runId(): string {
          throw new Error('getter');
        },
        scope: 42,
        signal: 'not a signal',
      };
      const run = h.lifecycle.trackRun(hostile as never);
      run.end({ outcome: 'weird' as never });
      const nullRun = h.lifecycle.trackRun(null as never);
      nullRun.end();
      const spans = h.named('run');
      expect(spans).toHaveLength(2);
      expect(spans[0]!.attributes['session_host.run.id']).toBe('invalid');
      expect(spans[0]!.attributes['session_host.scope.key']).toBe('dir:invalid');
      expect(spans[0]!.attributes['session_host.run.outcome']).toBe('error');
      expect(() => h.lifecycle.action('instance_reload', 'no function' as never)).toThrow(TypeError);
      expect(h.lifecycle.closeScope(undefined as never)).toBe(0);
      expect(diag.lines.some((l) => l.includes('scope must be a string'))).toBe(true);
    } finally {
      diag.restore();
    }
  });

  it('closeScope interrupts every run of the scope and aborts the signals it owns', () => {
    const h = setup();
    const own = h.lifecycle.trackRun({ runId: 'own', scope: DIR_A });
    const aborted: string[] = [];
    own.signal.addEventListener('abort', () => aborted.push('own'));
    const other = h.lifecycle.trackRun({ runId: 'other', scope: DIR_B });
    let closed = 0;
    h.lifecycle.action('instance_dispose', () => {
      closed = h.lifecycle.closeScope(DIR_A);
    });
    own.end();
    other.end();
    expect(closed).toBe(1);
    expect(aborted).toEqual(['own']);
    expect(h.runSpan('own').attributes['session_host.close.classification']).toBe('local_instance_dispose');
    expect(h.runSpan('other').attributes['session_host.close.classification']).toBe('success');
  });

  it('records nothing while disabled, and again once enabled', () => {
    const h = setup();
    h.lifecycle.disable();
    const run = h.lifecycle.trackRun({ runId: 'off', scope: DIR_A });
    expect(h.lifecycle.action('instance_reload', () => 1)).toBe(1);
    run.end();
    expect(h.spans()).toHaveLength(0);
    h.lifecycle.enable();
    h.lifecycle.action('instance_reload', () => 1);
    expect(h.actionSpans()).toHaveLength(1);
  });

  it('makes the run span of a run started inside a host span that span\'s child', () => {
    const h = setup();
    const tracer = h.provider.getTracer('host');
    tracer.startActiveSpan('POST /runs', (request) => {
      h.lifecycle.trackRun({ runId: 'child', scope: DIR_A }).end();
      request.end();
    });
    expect(h.runSpan('child').parentSpanContext?.spanId).toBe(h.named('POST /runs')[0]!.spanContext().spanId);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
