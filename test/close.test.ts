// The close vocabulary and precedence, and bounded, content-free values on the wire.
import { createHash } from 'node:crypto';
import { ProxyTracerProvider, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import diagnosticsChannel from 'node:diagnostics_channel';
import { trace, INVALID_SPAN_CONTEXT } from '@opentelemetry/api';
import { summaryKeyOf } from '../src/core/classification.js';
import { closeOf, completedClose } from '../src/core/close.js';
import { RunRecord } from '../src/core/records.js';
import { CHANNEL_CLOSE } from '../src/semconv.js';
import type { RunCloseInfo } from '../src/types.js';
import { CLOSE_CLASSIFICATIONS, SessionLifecycleInstrumentation } from '../src/index.js';
import { captureDiag, hostRun, setup } from './utils/harness.js';
import { DIR_A, DIR_B, DIR_C } from './utils/dirs.js';

describe('classification vocabulary and precedence', () => {
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
    const kinds = [
      'instance_reload',
      'instance_dispose',
      'instance_dispose_directory',
      'instance_dispose_all',
      'constructor',
      'idle_eviction',
      'instance_dispse',
    ];
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

describe('no raw scope or message on the wire; bounded values', () => {
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
    c.end({
      outcome: 'error',
      error: Object.assign(new Error(`ENOENT ${DIR_B}`), { name: `Err ${DIR_B}`, code: 'ENOENT' }),
    });
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
    const hashedSecret = `h:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
    expect(h.named('run').map((s) => s.attributes['session_host.run.id'])).toContain(hashedSecret);
    const hashedPath = `h:${createHash('sha256').update('/home/alice/run').digest('hex').slice(0, 16)}`;
    expect(h.runSpan(hashedPath).attributes['session_host.run.error.fingerprint']).toBe('Error:ENOENT');
  });
});

const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

describe('one close, decided once and written once', () => {
  /** Records into `h`'s exporter, counting the attribute writes each span gets after it starts. */
  function countWrites(h: ReturnType<typeof setup>): Map<string, number> {
    const writes = new Map<string, number>();
    const spy: SpanProcessor = {
      onStart(span) {
        const id = `${span.name}:${String(span.attributes['session_host.run.id'])}`;
        let depth = 0;
        const counted = <A extends unknown[], R>(fn: (...args: A) => R) =>
          function (this: unknown, ...args: A): R {
            if (depth === 0) writes.set(id, (writes.get(id) ?? 0) + 1);
            depth++;
            try {
              return fn.apply(this, args);
            } finally {
              depth--;
            }
          };
        span.setAttributes = counted(span.setAttributes);
        span.setAttribute = counted(span.setAttribute);
      },
      onEnd() {},
      forceFlush: async () => undefined,
      shutdown: async () => undefined,
    };
    const provider = new BasicTracerProvider({ spanProcessors: [spy, new SimpleSpanProcessor(h.exporter)] });
    h.lifecycle.setTracerProvider(provider);
    return writes;
  }

  const IDENTITY = ['session_host.run.id', 'session_host.scope.key', 'session_host.session.id'];
  const withoutIdentity = (attributes: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(attributes).filter(([k]) => !IDENTITY.includes(k)));

  it('the run span and its run closed child carry the same close, each in one write', () => {
    const h = setup();
    const writes = countWrites(h);
    const { controller, run } = hostRun(h.lifecycle, DIR_A, 'once');
    h.lifecycle.action('instance_reload', { scopes: [DIR_A] }, () => controller.abort());
    run.end({ outcome: 'error', error: new Error('aborted') });
    const runSpan = h.runSpan('once');
    const child = h.closedRunSpan('once')!;
    expect(withoutIdentity(child.attributes)).toEqual(withoutIdentity(runSpan.attributes));
    expect(child.attributes['session_host.run.error.fingerprint']).toBe('Error');
    expect(child.attributes['session_host.close.summary_key']).toBe('local_instance_reload.lifecycle_close');
    expect(writes.get('run:once')).toBe(1);
    expect(writes.get('run closed:once')).toBe(1);
  });

  it('times a close from one clock: no negative stop duration when recent closes were off at the start', () => {
    const h = setup({ recentCloses: 0 });
    const { controller, run } = hostRun(h.lifecycle, DIR_B, 'timed');
    h.lifecycle.setConfig({ kinds: ['idle_eviction'], recentCloses: 10 });
    controller.abort();
    run.end({ outcome: 'error' });
    const [close] = h.lifecycle.snapshot().recent_closes;
    expect(close?.run_id).toBe('timed');
    expect(close?.stop_duration_ms).toBeGreaterThanOrEqual(0);
    // The start was not timed by the package: the run's duration is its span's.
    const span = h.runSpan('timed');
    expect(close?.run_duration_ms).toBeCloseTo(span.duration[0] * 1e3 + span.duration[1] / 1e6, 2);
  });

  it('times a close the package did not time at all (no SDK span, recent closes off at the start): no duration made up', () => {
    const lifecycle = new SessionLifecycleInstrumentation({ recentCloses: 0 });
    lifecycle.setTracerProvider(new ProxyTracerProvider());
    const run = lifecycle.trackRun({ runId: 'untimed', scope: DIR_B, signal: null });
    lifecycle.setConfig({ recentCloses: 10 });
    run.end();
    const [close] = lifecycle.snapshot().recent_closes;
    expect(close?.run_id).toBe('untimed');
    expect(close?.run_duration_ms).toBeUndefined();
    expect(Date.parse(close!.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a run that simply completed is timed by its span: the close is at the span end, with its duration', () => {
    const h = setup();
    h.lifecycle.trackRun({ runId: 'plain', scope: DIR_B, signal: null }).end();
    const span = h.runSpan('plain');
    const [close] = h.lifecycle.snapshot().recent_closes;
    expect(Date.parse(close!.at)).toBe(Math.floor(span.endTime[0] * 1e3 + span.endTime[1] / 1e6));
    expect(close?.run_duration_ms).toBeCloseTo(span.duration[0] * 1e3 + span.duration[1] / 1e6, 2);
  });

  it('a late close settled at the end never ends before it starts', async () => {
    const h = setup();
    const diag = captureDiag();
    try {
      const victim = new AbortController();
      const run = h.lifecycle.trackRun({ runId: 'late-fast', scope: DIR_C, signal: victim.signal });
      await h.lifecycle.action('instance_dispose', { scopes: [DIR_C] }, async () => undefined);
      victim.abort();
      run.end({ outcome: 'error' });
      const child = h.closedRunSpan('late-fast')!;
      const ns = (t: [number, number]) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
      expect(ns(child.endTime) >= ns(child.startTime)).toBe(true);
      expect(diag.lines.filter((l) => l.includes('Inconsistent start and end time'))).toEqual([]);
    } finally {
      diag.restore();
    }
  });

  it('a run that simply completed has the close the general path gives it, field for field', () => {
    const owner = { interrupt() {}, finish() {} };
    for (const sessionId of [undefined, 'ses-1']) {
      const record = new RunRecord(owner, true, 'r-1', sessionId, 'dir:0123456789abcdef', NO_SPAN, true, undefined, 7);
      const general = closeOf(record, undefined, 'completed', false);
      expect(completedClose(record)).toStrictEqual(general);
      // The same keys in the same order: both are one hidden class to the code that reads closes.
      expect(Object.keys(completedClose(record))).toEqual(Object.keys(general));
    }
  });

  it('a run that simply completed reaches every output as a completed run through the general path does', () => {
    const infos: RunCloseInfo[] = [];
    const h = setup({ runCloseHook: (_span, info) => infos.push(info) });
    const messages: unknown[] = [];
    const onMessage = (message: unknown) => messages.push(message);
    diagnosticsChannel.subscribe(CHANNEL_CLOSE, onMessage);
    const diag = captureDiag();
    try {
      h.lifecycle
        .trackRun({ runId: 'simple', sessionId: 's-1', scope: DIR_A, signal: null })
        .end({ outcome: 'completed' });
      h.lifecycle.trackRun({ runId: 'no-options', sessionId: 's-1', scope: DIR_A, signal: null }).end();
      // Naming an action that does not exist settles nothing, but takes the general path.
      h.lifecycle
        .trackRun({ runId: 'general', sessionId: 's-1', scope: DIR_A, signal: null })
        .end({ outcome: 'completed', closedBy: 'no-such-action' });
    } finally {
      diagnosticsChannel.unsubscribe(CHANNEL_CLOSE, onMessage);
      diag.restore();
    }
    const ids = ['simple', 'no-options', 'general'];
    const without = (value: unknown, ...keys: string[]) =>
      Object.fromEntries(Object.entries(value as object).filter(([k]) => !keys.includes(k)));
    const spans = ids.map((id) => h.runSpan(id));
    for (const span of spans) {
      expect(span.attributes['session_host.close.classification']).toBe('success');
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    const [simple, noOptions, general] = spans.map((s) => without(s.attributes, 'session_host.run.id'));
    expect(simple).toEqual(general);
    expect(noOptions).toEqual(general);
    expect(infos.map((i) => i.runId)).toEqual(ids);
    expect(infos.map((i) => without(i, 'runId'))).toEqual(Array(3).fill(without(infos[2], 'runId')));
    expect(messages.map((m) => without(m, 'runId'))).toEqual(Array(3).fill(without(messages[2], 'runId')));
    const recent = h.lifecycle.snapshot().recent_closes.slice(-3);
    expect(recent.map((c) => c.run_id)).toEqual(ids);
    const shape = recent.map((c) => without(c, 'run_id', 'at', 'run_duration_ms'));
    expect(shape).toEqual(Array(3).fill(shape[2]));
    expect(recent.every((c) => typeof c.run_duration_ms === 'number')).toBe(true);
    expect(h.lifecycle.snapshot().closes_by_classification.success).toBeGreaterThanOrEqual(3);
    // An error the host recorded before a completed end stays on the close.
    const failedStep = h.lifecycle.trackRun({ runId: 'recorded', scope: DIR_A, signal: null });
    failedStep.recordError(new TypeError('m'));
    failedStep.end({ outcome: 'completed' });
    expect(h.runSpan('recorded').attributes['session_host.run.error.fingerprint']).toBe('TypeError');
    expect(h.runSpan('recorded').attributes['session_host.close.classification']).toBe('success');
  });

  it('hands the host a thin handle: no fields of the record, only the RunHandle members', () => {
    const h = setup();
    const run = h.lifecycle.trackRun({ runId: 'thin', scope: DIR_A });
    expect(Object.keys(run)).toEqual([]);
    const members = Object.getOwnPropertyNames(Object.getPrototypeOf(run)).filter((m) => m !== 'constructor');
    expect(members.sort()).toEqual(['classification', 'end', 'interrupted', 'recordError', 'runId', 'signal', 'span']);
    h.lifecycle.action('instance_dispose', () => run.interrupted());
    expect(run.classification).toBe('local_instance_dispose');
    run.end();
    expect(run.classification).toBe('local_instance_dispose');
  });
});
