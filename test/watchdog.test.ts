import { spawnSync } from 'node:child_process';
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { RunWatchdog, type WatchedRun } from '../src/core/watchdog.js';
import { hostRun, setup } from './utils/harness.js';
import { ROOT } from './utils/processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const idle = { activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 };

describe('runs nobody ends', () => {
  it('ends an interrupted run the host never ends after the grace period, keeping its cause', async () => {
    const h = setup({ interruptGraceMs: 40 });
    const controller = new AbortController();
    const run = h.lifecycle.trackRun({ runId: 'stuck', scope: '/tmp/w', signal: controller.signal });
    h.lifecycle.action('instance_dispose', () => controller.abort());
    await sleep(10);
    expect(h.named('run')).toHaveLength(0);
    await sleep(150);
    const span = h.runSpan('stuck');
    expect(span.attributes).toMatchObject({
      'session_host.close.classification': 'local_instance_dispose',
      'session_host.close.summary_key': 'local_instance_dispose.end_not_observed',
      'session_host.run.outcome': 'abandoned',
      'session_host.close.provenance': 'context',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    const closed = h.closedRunSpan('stuck')!;
    expect(closed.attributes['session_host.close.summary_key']).toBe('local_instance_dispose.end_not_observed');
    expect(h.lifecycle.stateCounts()).toEqual(idle);
    run.end({ outcome: 'completed' });
    expect(h.named('run')).toHaveLength(1);
    expect(h.lifecycle.snapshot().recent_closes[0]).toMatchObject({
      outcome: 'abandoned',
      summary_key: 'local_instance_dispose.end_not_observed',
    });
  });

  it('keeps an unexplained close unexplained when it has to end it', async () => {
    const h = setup({ interruptGraceMs: 30 });
    const controller = new AbortController();
    h.lifecycle.trackRun({ runId: 'lost', scope: '/tmp/w', signal: controller.signal });
    controller.abort();
    await sleep(150);
    const span = h.runSpan('lost');
    expect(span.attributes['session_host.close.classification']).toBe('unknown_scope_close');
    expect(span.attributes['session_host.close.summary_key']).toBe('unknown_scope_close.end_not_observed');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('ends a run neither interrupted nor ended after the maximum age, as abandoned', async () => {
    const h = setup({ maxRunAgeMs: 40 });
    h.lifecycle.trackRun({ runId: 'forgotten', scope: '/tmp/w' });
    const ended = hostRun(h.lifecycle, '/tmp/w', 'in-time');
    ended.run.end();
    await sleep(150);
    const span = h.runSpan('forgotten');
    expect(span.attributes).toMatchObject({
      'session_host.close.classification': 'abandoned',
      'session_host.close.summary_key': 'abandoned.max_age_exceeded',
      'session_host.run.outcome': 'abandoned',
      'error.type': 'abandoned',
    });
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'abandoned' });
    expect(h.runSpan('in-time').attributes['session_host.close.classification']).toBe('success');
    expect(h.lifecycle.stateCounts()).toEqual(idle);
  });

  it('leaves long runs alone by default, and with a grace of 0', async () => {
    const h = setup({ interruptGraceMs: 0 });
    const controller = new AbortController();
    h.lifecycle.trackRun({ runId: 'long', scope: '/tmp/w' });
    h.lifecycle.trackRun({ runId: 'aborted', scope: '/tmp/w', signal: controller.signal });
    controller.abort();
    await sleep(120);
    expect(h.named('run')).toHaveLength(0);
    expect(h.lifecycle.stateCounts().runsInFlight).toBe(2);
  });

  it('never keeps the process alive', () => {
    const script = `
      import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';
      const lifecycle = new SessionLifecycleInstrumentation({ interruptGraceMs: 60000, maxRunAgeMs: 60000 });
      const controller = new AbortController();
      lifecycle.trackRun({ runId: 'a', scope: '/tmp/a', signal: controller.signal });
      lifecycle.trackRun({ runId: 'b', scope: '/tmp/b' });
      lifecycle.action('instance_reload', () => controller.abort());
      console.log(JSON.stringify(lifecycle.stateCounts()));`;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ runsInFlight: 2 });
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('the watch lists', () => {
  type Watched = WatchedRun & { name: string };
  const watched = (name: string, startedAt?: number): Watched => ({
    name,
    startedAt,
    interruptedAt: undefined,
    watch: undefined,
    prevWatched: undefined,
    nextWatched: undefined,
  });

  it('expires the due runs oldest first, skips the ended and the young, and lets go of what it expired', () => {
    const expired: string[] = [];
    const dog = new RunWatchdog<Watched>(
      () => 100,
      () => 1000,
      (run, reason) => {
        expired.push(`${run.name}:${reason}`);
        dog.ended(run);
      },
    );
    const runs = ['a', 'b', 'c', 'd'].map((name, i) => watched(name, i * 10));
    for (const run of runs) dog.started(run);
    // Interrupted in the order c, a, d: the grace list keeps that order, the age list keeps b.
    for (const [run, at] of [
      [runs[2]!, 0],
      [runs[0]!, 5],
      [runs[3]!, 50],
    ] as const) {
      run.interruptedAt = at;
      dog.wasInterrupted(run);
    }
    dog.ended(runs[0]!);
    expect(runs[0]!.watch).toBeUndefined();
    dog.sweep(120); // c is due (120 - 0 >= 100), d is not (70); b is young (110 < 1000)
    expect(expired).toEqual(['c:grace']);
    dog.sweep(1020); // d is due; b is past the maximum age (1020 - 10)
    expect(expired).toEqual(['c:grace', 'd:grace', 'b:max_age']);
    for (const run of runs)
      expect([run.watch, run.prevWatched, run.nextWatched]).toEqual([undefined, undefined, undefined]);
    dog.sweep(5000);
    expect(expired).toHaveLength(3);
  });
});
