// Fan-out: one linked closed-run child per interrupted run, one root per dispose-all, the cap, and
// no children under an action span its sampler dropped.
import { SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SamplingDecision,
  SimpleSpanProcessor,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { SessionLifecycleInstrumentation, type ActionInfo } from '../src/index.js';
import { hostRun, idOf, linkTargets, setup, TEST_KINDS } from './utils/harness.js';
import { DIR_A, DIR_B, DIR_C, expectedKey } from './utils/dirs.js';

describe('each interrupted run gets one linked closed-run span; the run span links back', () => {
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

describe('a dispose-all fan-out is one root with a linked child per run', () => {
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
    expect(new Set(root.attributes['session_host.lifecycle.scope_keys'] as string[])).toEqual(
      new Set(dirs.map(expectedKey)),
    );
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

describe('fan-out cap', () => {
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
      expect(run.attributes['session_host.lifecycle.action.id']).toBe(
        root.attributes['session_host.lifecycle.action.id'],
      );
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

/** Samples every span but the action spans, which it records (`record`) or drops. */
function actionSampler(decision: SamplingDecision): Sampler {
  return {
    shouldSample: (_context, _traceId, name) => ({
      decision: name.startsWith('lifecycle ') ? decision : SamplingDecision.RECORD_AND_SAMPLED,
    }),
    toString: () => 'actionSampler',
  };
}

function sampledSetup(decision: SamplingDecision) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    sampler: actionSampler(decision),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const infos: ActionInfo[] = [];
  const lifecycle = new SessionLifecycleInstrumentation<string>({
    kinds: TEST_KINDS,
    actionHook: (_span, info) => infos.push(info),
  });
  lifecycle.setTracerProvider(provider);
  const named = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
  return { lifecycle, infos, named };
}

describe('an action span its sampler dropped', () => {
  it('gets no run closed children, now or for a late close; each run span still carries its close', async () => {
    const { lifecycle, infos, named } = sampledSetup(SamplingDecision.NOT_RECORD);
    const runs = [0, 1, 2].map((i) => hostRun(lifecycle, DIR_A, `dropped-${i}`));
    const victim = new AbortController();
    const late = lifecycle.trackRun({ runId: 'late', scope: DIR_B, signal: victim.signal });
    await lifecycle.action('instance_dispose_all', { scopes: [DIR_B] }, async () => {
      for (const r of runs) r.controller.abort();
      await Promise.all(runs.map((r) => r.ended));
    });
    victim.abort();
    late.end({ outcome: 'error' });
    expect(named('lifecycle instance_dispose_all')).toHaveLength(0);
    expect(named('run closed')).toHaveLength(0);
    const actionId = infos[0]!.actionId;
    for (const runId of ['dropped-0', 'dropped-1', 'dropped-2', 'late']) {
      const run = named('run').find((s) => s.attributes['session_host.run.id'] === runId)!;
      expect(run.attributes['session_host.close.classification']).toBe('local_instance_dispose');
      expect(run.attributes['session_host.lifecycle.action.id']).toBe(actionId);
      expect(run.links).toHaveLength(1);
    }
    const lateRun = named('run').find((s) => s.attributes['session_host.run.id'] === 'late')!;
    expect(lateRun.attributes['session_host.close.late']).toBe(true);
    // The cap counts the runs as before: none is past it.
    expect(infos[0]).toMatchObject({ runsInterrupted: 3, runsOmitted: 0 });
    expect(lifecycle.snapshot().closes_by_classification.local_instance_dispose).toBe(4);
  });

  it('an action span recorded but not sampled still gets its children', async () => {
    const { lifecycle, named } = sampledSetup(SamplingDecision.RECORD);
    const runs = [0, 1].map((i) => hostRun(lifecycle, DIR_A, `recorded-${i}`));
    await lifecycle.action('instance_dispose_all', async () => {
      for (const r of runs) r.controller.abort();
      await Promise.all(runs.map((r) => r.ended));
    });
    expect(
      named('run closed')
        .map((s) => s.attributes['session_host.run.id'])
        .sort(),
    ).toEqual(['recorded-0', 'recorded-1']);
  });
});
