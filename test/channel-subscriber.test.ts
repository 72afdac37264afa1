// The diagnostics-channel contract: a host that publishes on session_host:* channels, with no
// import of this package, gets the same lifecycle trees as the direct API; the package publishes
// each decided close and action end; bad messages are bounded or ignored; disable unsubscribes.
import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActionEndChannelMessage, CloseChannelMessage } from '../src/index.js';
import { captureDiag, idOf, linkTargets, setup, type Harness } from './utils/harness.js';
import { DIR_A, DIR_B } from './utils/dirs.js';

// The host side: plain node:diagnostics_channel, as a host without this package writes it.
const lifecycleChannel = diagnosticsChannel.tracingChannel('session_host:lifecycle');
const runChannel = diagnosticsChannel.tracingChannel('session_host:run');
const scopeClose = diagnosticsChannel.channel('session_host:scope.close');

const harnesses: Harness[] = [];
function channelSetup(): Harness {
  const h = setup();
  harnesses.push(h);
  return h;
}
afterEach(() => {
  for (const h of harnesses.splice(0)) h.lifecycle.disable();
});

/** A run traced on the run channel: its work ends when `finish` is called (or rejects with `fail`). */
function tracedRun(runId: string, scope: string, signal?: AbortSignal) {
  let finish!: () => void;
  let fail!: (error: unknown) => void;
  const context: Record<string, unknown> = { runId, sessionId: 'session-1', scope, signal };
  const done = runChannel.tracePromise(
    () =>
      new Promise<void>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      }),
    context,
  );
  done.catch(() => undefined);
  return { context, done, finish: () => finish(), fail: (e: unknown) => fail(e) };
}

describe('a host that publishes on the session_host channels', () => {
  it('gets one action span with a linked run closed child per run it interrupts; nested actions join', async () => {
    const h = channelSetup();
    const controllers = [new AbortController(), new AbortController()];
    const runs = [tracedRun('ch-a', DIR_A, controllers[0]!.signal), tracedRun('ch-b', DIR_B, controllers[1]!.signal)];
    for (const [i, run] of runs.entries())
      controllers[i]!.signal.addEventListener('abort', () => run.fail(controllers[i]!.signal.reason));
    await lifecycleChannel.tracePromise(
      async () => {
        for (const [i, dir] of [DIR_A, DIR_B].entries()) {
          // The store's dispose-all calls its dispose per directory: traced too, it joins.
          lifecycleChannel.traceSync(() => controllers[i]!.abort(), { kind: 'instance_dispose', scopes: [dir] });
        }
      },
      { kind: 'instance_dispose_all' },
    );
    await Promise.allSettled(runs.map((r) => r.done));
    const [root, ...others] = h.actionSpans();
    expect(others).toEqual([]);
    expect(root!.name).toBe('lifecycle instance_dispose_all');
    expect(root!.attributes['session_host.lifecycle.runs_interrupted']).toBe(2);
    for (const runId of ['ch-a', 'ch-b']) {
      const span = h.runSpan(runId);
      expect(span.attributes['session_host.close.classification']).toBe('local_instance_dispose');
      expect(span.attributes['session_host.close.provenance']).toBe('context');
      const child = h.closedRunSpan(runId)!;
      expect(child.parentSpanContext?.spanId).toBe(root!.spanContext().spanId);
      expect(linkTargets(child)).toEqual([idOf(span)]);
    }
  });

  it('keeps a traced promise action open until it settles; a scope close published inside is attributed', async () => {
    const h = channelSetup();
    const run = tracedRun('in-scope', DIR_A);
    let release!: () => void;
    const reload = lifecycleChannel.tracePromise(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      { kind: 'instance_reload', scopes: [DIR_A] },
    );
    // Lost context: the close is published from a timer the action did not create.
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        scopeClose.publish({ scopes: [DIR_A] });
        resolve();
      }, 1),
    );
    run.fail(new DOMException('closed', 'AbortError'));
    await run.done.catch(() => undefined);
    expect(h.actionSpans()).toEqual([]);
    release();
    await reload;
    const span = h.runSpan('in-scope');
    expect(span.attributes['session_host.close.classification']).toBe('local_instance_reload');
    expect(span.attributes['session_host.close.provenance']).toBe('scope_registry');
    expect(span.attributes['session_host.run.outcome']).toBe('interrupted');
    expect(h.actionSpans()).toHaveLength(1);
  });

  it('ends a run as the host says: completed, user_cancel set on the context, error', async () => {
    const h = channelSetup();
    const ok = tracedRun('done', DIR_A);
    const cancelled = tracedRun('cancelled', DIR_A);
    const failed = tracedRun('failed', DIR_A);
    ok.finish();
    cancelled.context.outcome = 'user_cancel';
    cancelled.finish();
    failed.fail(new TypeError('tool failed'));
    // The user's cancel said on the context, then the abort that makes the work reject.
    const controller = new AbortController();
    const stopped = tracedRun('stopped', DIR_A, controller.signal);
    stopped.context.outcome = 'user_cancel';
    controller.abort();
    stopped.fail(controller.signal.reason);
    await Promise.allSettled([ok.done, cancelled.done, failed.done, stopped.done]);
    runChannel.traceSync(() => 'sync work', { runId: 'sync', scope: DIR_B });
    const classification = (id: string) => h.runSpan(id).attributes['session_host.close.classification'];
    expect(['done', 'cancelled', 'failed', 'sync', 'stopped'].map(classification)).toEqual([
      'success',
      'user_cancel',
      'error',
      'success',
      'user_cancel',
    ]);
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  });

  it('publishes each decided close and action end, bounded and content-free', async () => {
    const h = channelSetup();
    const closes: CloseChannelMessage[] = [];
    const ends: ActionEndChannelMessage[] = [];
    const onClose = (m: unknown) => closes.push(m as CloseChannelMessage);
    const onEnd = (m: unknown) => ends.push(m as ActionEndChannelMessage);
    diagnosticsChannel.subscribe('session_host:close', onClose);
    diagnosticsChannel.subscribe('session_host:action.end', onEnd);
    try {
      const run = h.lifecycle.trackRun({ runId: 'published', sessionId: 'session-9', scope: DIR_A });
      h.lifecycle.action('instance_reload', () => run.interrupted());
      run.end({ error: new Error(`failed in ${DIR_A}`) });
      expect(closes).toEqual([
        {
          runId: 'published',
          sessionId: 'session-9',
          scopeKey: h.lifecycle.scopeKey(DIR_A),
          classification: 'local_instance_reload',
          summaryKey: 'local_instance_reload.lifecycle_close',
          provenance: 'context',
          actionId: ends[0]!.actionId,
          kind: 'instance_reload',
          late: false,
          outcome: 'error',
        },
      ]);
      expect(ends).toEqual([
        { actionId: ends[0]!.actionId, kind: 'instance_reload', runsInterrupted: 1, outcome: 'ok', timedOut: false },
      ]);
      expect(JSON.stringify([closes, ends])).not.toContain('alice');
    } finally {
      diagnosticsChannel.unsubscribe('session_host:close', onClose);
      diagnosticsChannel.unsubscribe('session_host:action.end', onEnd);
    }
  });

  it('ignores or bounds bad messages with a diag line, and never throws into the publisher', async () => {
    const diag = captureDiag();
    try {
      const h = channelSetup();
      expect(lifecycleChannel.traceSync(() => 'ran', undefined as never)).toBe('ran');
      expect(lifecycleChannel.traceSync(() => 'ran', { kind: 'no such kind' } as never)).toBe('ran');
      const hostile = Object.defineProperty({}, 'kind', {
        get() {
          throw new Error('hostile');
        },
      });
      expect(lifecycleChannel.traceSync(() => 'ran', hostile as never)).toBe('ran');
      expect(() => scopeClose.publish({ scopes: 'not an array of one' })).not.toThrow();
      expect(() => scopeClose.publish(42)).not.toThrow();
      expect(() => runChannel.traceSync(() => 1, { runId: 7, scope: {} } as never)).not.toThrow();
      // No context (traceSync's default is {}), an undeclared kind, a throwing getter: all unknown_kind.
      expect(h.actionSpans().map((s) => s.attributes['session_host.lifecycle.kind'])).toEqual([
        'unknown_kind',
        'unknown_kind',
        'unknown_kind',
      ]);
      expect(diag.lines.length).toBeGreaterThan(0);
      expect(diag.lines.join('\n')).not.toContain('no such kind');
    } finally {
      diag.restore();
    }
  });

  it('stops hearing the channels when disabled, and lets a traced action already begun end', async () => {
    const h = channelSetup();
    let release!: () => void;
    const pending = lifecycleChannel.tracePromise(() => new Promise<void>((resolve) => (release = resolve)), {
      kind: 'instance_dispose',
    });
    h.lifecycle.disable();
    lifecycleChannel.traceSync(() => undefined, { kind: 'instance_reload' });
    release();
    await pending;
    expect(h.actionSpans().map((s) => s.name)).toEqual(['lifecycle instance_dispose']);
    expect(lifecycleChannel.hasSubscribers).toBe(false);
    h.lifecycle.enable();
    expect(lifecycleChannel.hasSubscribers).toBe(true);
  });

  it('is heard by one instrumentation at a time: the one enabled last, then the one before it', () => {
    const first = channelSetup();
    const second = channelSetup();
    lifecycleChannel.traceSync(() => undefined, { kind: 'instance_reload' });
    expect([first.actionSpans().length, second.actionSpans().length]).toEqual([0, 1]);
    second.lifecycle.disable();
    lifecycleChannel.traceSync(() => undefined, { kind: 'instance_dispose' });
    expect([first.actionSpans().length, second.actionSpans().length]).toEqual([1, 1]);
    second.lifecycle.enable();
    lifecycleChannel.traceSync(() => undefined, { kind: 'instance_reload' });
    expect([first.actionSpans().length, second.actionSpans().length]).toEqual([1, 2]);
  });
});
