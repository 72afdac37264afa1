import { describe, expect, it } from 'vitest';
import { CLOSE_CLASSIFICATIONS, type LifecycleSnapshot } from '../src/index.js';
import { captureDiag, gate, hostRun, setup } from './utils/harness.js';

const CANARIES = ['/home/grace', 'sk-proj-', 'grace@example.com', 'summarise the quarterly'];

describe('snapshot()', () => {
  it('is versioned, JSON-serializable, and reports closes, counts and actions in flight', async () => {
    const h = setup({ recentCloses: 10 });
    const release = gate();
    const a = hostRun(h.lifecycle, '/home/grace/repo', 'snap-1', 'sess-1');
    const running = h.lifecycle.action('instance_reload', { scopes: ['/home/grace/repo'] }, async () => {
      a.controller.abort();
      await a.ended;
      await release.promise;
    });
    await new Promise((r) => setTimeout(r, 5));
    const during = JSON.parse(JSON.stringify(h.lifecycle.snapshot())) as LifecycleSnapshot;
    expect(during.schema_version).toBe(1);
    expect(during.package.name).toBe('otel-session-lifecycle');
    expect(during.in_flight).toEqual({ actions: 1, runs: 0, scopes: 1, scope_registrations: 1 });
    expect(during.active_actions).toHaveLength(1);
    expect(during.active_actions[0]).toMatchObject({ kind: 'instance_reload', runs_interrupted: 1, scope_keys: 1 });
    expect(during.active_actions[0]!.age_ms).toBeGreaterThanOrEqual(0);
    release.open();
    await running;
    const b = h.lifecycle.trackRun({ runId: 'snap-2', scope: '/home/grace/repo' });
    b.end({ outcome: 'error', error: new Error('summarise the quarterly numbers for grace@example.com') });
    const after = h.lifecycle.snapshot();
    expect(after.in_flight).toEqual({ actions: 0, runs: 0, scopes: 0, scope_registrations: 0 });
    expect(after.recent_closes).toHaveLength(2);
    const [first, second] = after.recent_closes;
    expect(first).toMatchObject({
      run_id: 'snap-1',
      session_id: 'sess-1',
      scope_key: h.lifecycle.scopeKey('/home/grace/repo'),
      classification: 'local_instance_reload',
      summary_key: 'local_instance_reload.lifecycle_close',
      outcome: 'error',
      provenance: 'context',
      action_id: during.active_actions[0]!.action_id,
      kind: 'instance_reload',
    });
    expect(first!.stop_duration_ms).toBeGreaterThanOrEqual(0);
    expect(first!.run_duration_ms).toBeGreaterThanOrEqual(first!.stop_duration_ms!);
    expect(Date.parse(first!.at)).not.toBeNaN();
    expect(second).toMatchObject({ run_id: 'snap-2', classification: 'error', outcome: 'error' });
    expect(second!.stop_duration_ms).toBeUndefined();
    expect(after.closes_by_classification).toEqual({
      ...Object.fromEntries(CLOSE_CLASSIFICATIONS.map((c) => [c, 0])),
      local_instance_reload: 1,
      error: 1,
    });
    expect(after.actions_by_kind).toEqual({ instance_reload: 1 });
  });

  it('keeps only the last N closes, while counting every one', () => {
    const h = setup({ recentCloses: 5 });
    for (let i = 0; i < 23; i++) h.lifecycle.trackRun({ runId: `r${i}`, scope: '/tmp/x' }).end();
    const snap = h.lifecycle.snapshot();
    expect(snap.recent_closes.map((c) => c.run_id)).toEqual(['r18', 'r19', 'r20', 'r21', 'r22']);
    expect(snap.closes_by_classification.success).toBe(23);
    h.lifecycle.setConfig({ recentCloses: 2 });
    expect(h.lifecycle.snapshot().recent_closes.map((c) => c.run_id)).toEqual(['r21', 'r22']);
    h.lifecycle.setConfig({ recentCloses: 0 });
    h.lifecycle.trackRun({ runId: 'r23', scope: '/tmp/x' }).end();
    expect(h.lifecycle.snapshot().recent_closes).toEqual([]);
    expect(h.lifecycle.snapshot().closes_by_classification.success).toBe(24);
  });

  it('keeps completed runs and other closes in one order through the ring, each with its own fields', () => {
    const h = setup({ recentCloses: 3 });
    const started = Date.now();
    const ended: string[] = [];
    for (let i = 0; i < 11; i++) {
      const run = h.lifecycle.trackRun({ runId: `m${i}`, sessionId: `s${i}`, scope: `/tmp/m${i % 2}` });
      if (i % 3 === 1) run.end({ outcome: 'error', error: new TypeError('x') });
      else run.end({ outcome: 'completed' });
      ended.push(`m${i}`);
      const recent = h.lifecycle.snapshot().recent_closes;
      expect(recent.map((c) => c.run_id)).toEqual(ended.slice(-3));
      for (const close of recent) {
        const n = Number(close.run_id.slice(1));
        expect(close.session_id).toBe(`s${n}`);
        expect(close.scope_key).toBe(h.lifecycle.scopeKey(`/tmp/m${n % 2}`));
        expect(close.classification).toBe(n % 3 === 1 ? 'error' : 'success');
        expect(close.summary_key).toBe(n % 3 === 1 ? 'error.run_failed' : 'success.completed');
        expect(close.outcome).toBe(n % 3 === 1 ? 'error' : 'completed');
        expect(close.run_duration_ms).toBeGreaterThanOrEqual(0);
        expect(close.stop_duration_ms).toBeUndefined();
        expect(Date.parse(close.at)).toBeGreaterThan(started - 60_000);
      }
    }
    // A snapshot taken earlier is not changed by the closes after it.
    const before = h.lifecycle.snapshot();
    const copy = JSON.parse(JSON.stringify(before)) as LifecycleSnapshot;
    h.lifecycle.trackRun({ runId: 'later', scope: '/tmp/m0' }).end();
    expect(before).toEqual(copy);
  });

  it('a host span whose time getter throws at the end leaves the recent closes and counts as they were', () => {
    const h = setup({ recentCloses: 2 });
    for (const id of ['a', 'b']) h.lifecycle.trackRun({ runId: id, sessionId: 'sa', scope: '/tmp/t' }).end();
    const before = h.lifecycle.snapshot();
    const diag = captureDiag();
    try {
      // A span of the host's own making: its times cannot be read once it has ended.
      let ended = false;
      const span = {
        spanContext: () => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 }),
        setAttributes: () => span,
        isRecording: () => true,
        end: () => {
          ended = true;
        },
        get startTime(): unknown {
          if (ended) throw new Error('gone');
          return undefined;
        },
        get endTime(): unknown {
          if (ended) throw new Error('gone');
          return undefined;
        },
      };
      h.lifecycle.trackRun({ runId: 'c', sessionId: 'sc', scope: '/tmp/t', span: span as never, endSpan: true }).end();
      expect(ended).toBe(true);
    } finally {
      diag.restore();
    }
    const after = h.lifecycle.snapshot();
    expect(after.recent_closes).toEqual(before.recent_closes);
    expect(after.closes_by_classification).toEqual(before.closes_by_classification);
    expect(diag.lines.some((line) => line.includes('recording the end of a run'))).toBe(true);
  });

  it('bounds the kinds it counts, the actions it lists, and its size', async () => {
    const diag = captureDiag();
    try {
      const h = setup({ recentCloses: 10_000_000, kinds: Array.from({ length: 100 }, (_, i) => `kind_${i}`) });
      expect(diag.lines.filter((l) => l.includes('recentCloses: at most 10000'))).toHaveLength(1);
      for (let i = 0; i < 100; i++) h.lifecycle.action(`kind_${i}`, () => undefined);
      const gates = Array.from({ length: 60 }, () => gate());
      const open = gates.map((g) => h.lifecycle.action('instance_dispose', () => g.promise));
      const snap = h.lifecycle.snapshot();
      expect(Object.keys(snap.actions_by_kind)).toHaveLength(65);
      // 36 more kinds, then the 60 instance_dispose actions, once 64 kinds are known.
      expect(snap.actions_by_kind._other).toBe(96);
      expect(snap.active_actions).toHaveLength(50);
      expect(snap.in_flight.actions).toBe(60);
      for (const g of gates) g.open();
      await Promise.all(open);
      for (let i = 0; i < 20_000; i++) h.lifecycle.trackRun({ runId: `x${i}`, scope: '/tmp/y' }).end();
      expect(h.lifecycle.snapshot().recent_closes).toHaveLength(10_000);
    } finally {
      diag.restore();
    }
  });

  it('holds no raw path, credential, e-mail address or message', async () => {
    const h = setup();
    const a = hostRun(h.lifecycle, '/home/grace/secret', 'sk-proj-abcdefghijklmnop', 'grace@example.com');
    await h.lifecycle.action('instance_dispose', async () => {
      a.controller.abort(new Error('summarise the quarterly numbers in /home/grace/secret'));
      await a.ended;
    });
    const text = JSON.stringify(h.lifecycle.snapshot());
    for (const canary of CANARIES) expect(text).not.toContain(canary);
    expect(text).toContain('h:');
  });
});
