// Fan-outs: one dispose-all interrupting many runs, timed whole (fanout_10k), per run as it
// grows (fanout_scaling), and as the event-loop block a host sees (dispose_all_100k).
import { context, SpanKind, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { SessionLifecycleInstrumentation } from '../../dist/index.js';
import { comparePair, gc, median, nextTurn, type PairResult } from '../harness.js';
import { CountingProcessor, KEYS, lifecycleOn, pairResult, progress, RUN_IDS, SCOPES, type CaseFn } from './common.js';

const processor = new CountingProcessor();
const provider = new BasicTracerProvider({ spanProcessors: [processor] });

export function fanoutOurs(lifecycle: SessionLifecycleInstrumentation, runs: number, scopes: number): void {
  const controllers: AbortController[] = new Array(runs);
  const handles: ReturnType<typeof lifecycle.trackRun>[] = new Array(runs);
  for (let i = 0; i < runs; i++) {
    const controller = new AbortController();
    controllers[i] = controller;
    const scope = SCOPES[i % scopes]!;
    handles[i] = lifecycle.trackRun({ runId: RUN_IDS[i]!, sessionId: 'session-1', scope, signal: controller.signal });
  }
  lifecycle.action('instance_dispose_all', () => {
    for (let i = 0; i < runs; i++) controllers[i]!.abort();
  });
  for (let i = 0; i < runs; i++) handles[i]!.end({ outcome: 'error' });
}

/** fanoutOurs without the package: the host's own controllers, created and aborted. */
function fanoutHost(runs: number): void {
  const controllers: AbortController[] = new Array(runs);
  for (let i = 0; i < runs; i++) controllers[i] = new AbortController();
  for (let i = 0; i < runs; i++) controllers[i]!.abort();
}

/** One fan-out of 100,000 runs against 100 of 1,000 (ns per run): fanout_scaling and its host part. */
function scalingPair(fan: (runs: number) => void): Promise<PairResult> {
  return comparePair(
    { run: (ops) => fan(ops) },
    {
      run: (ops) => {
        for (let done = 0; done < ops; done += 1000) fan(1000);
      },
    },
    { ops: 100_000, samples: 2, warmup: 1, warmupOps: 10_000 },
  );
}

function runAttributes(i: number, scopes: number): Attributes {
  return {
    'session_host.run.id': RUN_IDS[i]!,
    'session_host.scope.key': KEYS[i % scopes]!,
    'session_host.session.id': 'session-1',
  };
}

function fanoutBaseline(tracer: Tracer, runs: number, scopes: number): void {
  const controllers: AbortController[] = new Array(runs);
  const spans: Span[] = new Array(runs);
  for (let i = 0; i < runs; i++) {
    controllers[i] = new AbortController();
    const attributes = runAttributes(i, scopes);
    spans[i] = tracer.startSpan('run', { kind: SpanKind.INTERNAL, attributes }, context.active());
  }
  const actionId = `instance_dispose_all-${Date.now().toString(36)}-1`;
  const action = tracer.startSpan('lifecycle instance_dispose_all', {
    kind: SpanKind.INTERNAL,
    attributes: { 'session_host.lifecycle.kind': 'instance_dispose_all', 'session_host.lifecycle.action.id': actionId },
  });
  const actionContext = trace.setSpan(context.active(), action);
  const children: Span[] = new Array(runs);
  const close: Attributes = {
    'session_host.close.classification': 'local_instance_dispose',
    'session_host.close.summary_key': 'local_instance_dispose.lifecycle_close',
    'session_host.close.provenance': 'context',
    'session_host.lifecycle.action.id': actionId,
    'session_host.lifecycle.kind': 'instance_dispose_all',
  };
  for (let i = 0; i < runs; i++) {
    controllers[i]!.abort();
    const run = spans[i]!;
    const attributes = { ...close, ...runAttributes(i, scopes) };
    const links = [{ context: run.spanContext() }];
    children[i] = tracer.startSpan('run closed', { kind: SpanKind.INTERNAL, attributes, links }, actionContext);
    run.setAttributes(close);
    run.addLink({ context: action.spanContext() });
  }
  action.setAttributes({
    'session_host.lifecycle.runs_interrupted': runs,
    'session_host.lifecycle.runs_omitted': 0,
    'session_host.lifecycle.scope_keys': KEYS.slice(0, Math.min(scopes, 64)),
    'session_host.lifecycle.outcome': 'ok',
  });
  action.end();
  for (let i = 0; i < runs; i++) {
    spans[i]!.setAttributes({
      'session_host.close.classification': 'local_instance_dispose',
      'session_host.close.summary_key': 'local_instance_dispose.lifecycle_close',
      'session_host.run.outcome': 'error',
    });
    spans[i]!.end();
    children[i]!.setAttributes({
      'session_host.run.outcome': 'error',
      'session_host.close.summary_key': 'local_instance_dispose.lifecycle_close',
    });
    children[i]!.end();
  }
}

/**
 * One host with `runs` runs in flight, each with its own AbortController, its own run span and an
 * abort listener that ends the run; then a dispose-all aborts them all. Returns the event-loop
 * block of the dispose-all in ns: from the call until the loop reaches its next check phase (so
 * the synchronous abort loop, every listener and all microtasks it queued). With the package the
 * run spans are handed to trackRun (endSpan) and the dispose-all runs inside lifecycle.action.
 */
async function disposeAllBlock(lifecycle: SessionLifecycleInstrumentation | undefined, runs: number): Promise<number> {
  const tracer = provider.getTracer('host');
  const controllers: AbortController[] = new Array(runs);
  for (let i = 0; i < runs; i++) {
    const controller = new AbortController();
    const span = tracer.startSpan('run', { kind: SpanKind.INTERNAL, attributes: runAttributes(i, 100) });
    if (lifecycle !== undefined) {
      const scope = SCOPES[i % 100]!;
      const signal = controller.signal;
      const runId = RUN_IDS[i]!;
      const handle = lifecycle.trackRun({ runId, sessionId: 'session-1', scope, signal, span, endSpan: true });
      controller.signal.addEventListener('abort', () => handle.end({ outcome: 'error' }), { once: true });
    } else {
      const onAbort = (): void => {
        span.setAttribute('session_host.run.outcome', 'error');
        span.end();
      };
      controller.signal.addEventListener('abort', onAbort, { once: true });
    }
    controllers[i] = controller;
    if ((i & 8191) === 8191) await nextTurn(); // setting up is not the block we measure
  }
  const disposeAll = (): void => {
    for (let i = 0; i < runs; i++) controllers[i]!.abort();
  };
  gc();
  await nextTurn();
  const start = process.hrtime.bigint();
  if (lifecycle !== undefined) lifecycle.action('instance_dispose_all', disposeAll);
  else disposeAll();
  await nextTurn();
  return Number(process.hrtime.bigint() - start);
}

export const fanoutCases: Record<string, CaseFn> = {
  async fanout_10k() {
    const lifecycle = lifecycleOn(provider, { maxClosedRunSpansPerAction: 10_000 });
    const tracer = provider.getTracer('hand-rolled');
    const r = await comparePair(
      {
        run: (ops) => {
          for (let i = 0; i < ops; i++) fanoutOurs(lifecycle, 10_000, 100);
        },
      },
      {
        run: (ops) => {
          for (let i = 0; i < ops; i++) fanoutBaseline(tracer, 10_000, 100);
        },
      },
      { ops: 1, samples: 5, warmup: 1 },
    );
    progress('fanout_10k');
    return pairResult('fanout_10k', r, 10_000);
  },
  async fanout_scaling() {
    // Sampled-out spans isolate the package's own work, which is what must not grow per run.
    const sampledOut = new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [processor] });
    const lifecycle = lifecycleOn(sampledOut, { maxClosedRunSpansPerAction: 1_000_000 });
    const r = await scalingPair((runs) => fanoutOurs(lifecycle, runs, 100));
    progress('fanout_scaling');
    return pairResult('fanout_scaling', r);
  },
  /**
   * fanout_scaling's host side alone (a controller per run, all aborted), framed the same way: how
   * much the host's own work grows from fan-outs of 1,000 to one of 100,000, with no package.
   */
  async fanout_scaling_host() {
    const r = await scalingPair(fanoutHost);
    progress('fanout_scaling_host');
    return pairResult('fanout_scaling_host', r);
  },
  async dispose_all_100k() {
    const runs = 100_000;
    const lifecycle = lifecycleOn(provider);
    await disposeAllBlock(undefined, 10_000); // warm-up, both sides
    await disposeAllBlock(lifecycle, 10_000);
    const ours: number[] = [];
    const host: number[] = [];
    for (const withPackage of [false, true, true, false]) {
      (withPackage ? ours : host).push(await disposeAllBlock(withPackage ? lifecycle : undefined, runs));
    }
    progress('dispose_all_100k');
    const result = pairResult('dispose_all_100k', { oursNs: median(ours), baselineNs: median(host) }, runs);
    return { ...result, unit: 'ns/op' };
  },
};
