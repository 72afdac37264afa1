// `npm run bench`: the package against what a careful host would write by hand with the same
// OpenTelemetry SDK and the same span processor, measured side by side in one process.
// Prints a table and writes bench/results.json.
import { writeFileSync } from 'node:fs';
import { context, SpanKind, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
// The built package, as users run it (npm run bench builds it first).
import { scopeKeyOf, SessionLifecycleInstrumentation, summaryKeyOf } from '../dist/index.js';
import { comparePair, gc } from './harness.js';
import { freePort } from '../test/utils/processes.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** The span processor both sides share: it sees every ended span and keeps none. */
class CountingProcessor implements SpanProcessor {
  ended = 0;
  onStart(): void {}
  onEnd(): void {
    this.ended++;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const discarding: SpanExporter = {
  export(_spans: ReadableSpan[], done) {
    done({ code: ExportResultCode.SUCCESS });
  },
  shutdown: () => Promise.resolve(),
};

const RUN_IDS = Array.from({ length: 100_000 }, (_, i) => `run-${i}`);
const SCOPES = Array.from({ length: 100 }, (_, i) => `/srv/sessions/tenant-${i}/project`);
const KEYS = SCOPES.map(scopeKeyOf);
const never = new AbortController().signal;

function lifecycleOn(provider: { getTracer(name: string, version?: string): Tracer }, config = {}) {
  const lifecycle = new SessionLifecycleInstrumentation(config);
  lifecycle.setTracerProvider(provider);
  return lifecycle;
}

// ---- 1. run_hot_path -----------------------------------------------------------------------

function hotPathSides(provider: { getTracer(name: string): Tracer }) {
  const lifecycle = lifecycleOn(provider);
  const tracer = provider.getTracer('hand-rolled');
  const ours = {
    run(ops: number) {
      for (let i = 0; i < ops; i++) {
        const run = lifecycle.trackRun({ runId: RUN_IDS[i & 1023]!, sessionId: 'session-1', scope: SCOPES[i & 15]!, signal: never });
        run.end({ outcome: 'completed' });
      }
    },
  };
  const baseline = {
    run(ops: number) {
      for (let i = 0; i < ops; i++) {
        const span = tracer.startSpan(
          'run',
          {
            kind: SpanKind.INTERNAL,
            attributes: { 'session_host.run.id': RUN_IDS[i & 1023]!, 'session_host.scope.key': KEYS[i & 15]!, 'session_host.session.id': 'session-1' },
          },
          context.active(),
        );
        span.setAttributes({
          'session_host.close.classification': 'success',
          'session_host.close.summary_key': 'success.completed',
          'session_host.run.outcome': 'completed',
        });
        span.end();
      }
    },
  };
  const oursNoSignal = {
    run(ops: number) {
      for (let i = 0; i < ops; i++) {
        lifecycle.trackRun({ runId: RUN_IDS[i & 1023]!, sessionId: 'session-1', scope: SCOPES[i & 15]! }).end({ outcome: 'completed' });
      }
    },
  };
  /** The hand-rolled span, plus the abort listener a host needs to notice an interrupt at all. */
  const baselineListening = {
    run(ops: number) {
      for (let i = 0; i < ops; i++) {
        const onAbort = (): void => {};
        never.addEventListener('abort', onAbort);
        baseline.run(1);
        never.removeEventListener('abort', onAbort);
      }
    },
  };
  return { ours, baseline, oursNoSignal, baselineListening, lifecycle };
}

// ---- 2. fanout_10k -------------------------------------------------------------------------

function fanoutOurs(lifecycle: SessionLifecycleInstrumentation, runs: number, scopes: number) {
  const controllers: AbortController[] = new Array(runs);
  const handles: ReturnType<typeof lifecycle.trackRun>[] = new Array(runs);
  for (let i = 0; i < runs; i++) {
    const controller = new AbortController();
    controllers[i] = controller;
    handles[i] = lifecycle.trackRun({ runId: RUN_IDS[i]!, sessionId: 'session-1', scope: SCOPES[i % scopes]!, signal: controller.signal });
  }
  lifecycle.action('instance_dispose_all', () => {
    for (let i = 0; i < runs; i++) controllers[i]!.abort();
  });
  for (let i = 0; i < runs; i++) handles[i]!.end({ outcome: 'error' });
}

function fanoutBaseline(tracer: Tracer, runs: number, scopes: number) {
  const controllers: AbortController[] = new Array(runs);
  const spans: Span[] = new Array(runs);
  for (let i = 0; i < runs; i++) {
    controllers[i] = new AbortController();
    spans[i] = tracer.startSpan(
      'run',
      { kind: SpanKind.INTERNAL, attributes: { 'session_host.run.id': RUN_IDS[i]!, 'session_host.scope.key': KEYS[i % scopes]!, 'session_host.session.id': 'session-1' } },
      context.active(),
    );
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
    children[i] = tracer.startSpan(
      'run closed',
      {
        kind: SpanKind.INTERNAL,
        attributes: { ...close, 'session_host.run.id': RUN_IDS[i]!, 'session_host.scope.key': KEYS[i % scopes]!, 'session_host.session.id': 'session-1' },
        links: [{ context: run.spanContext() }],
      },
      actionContext,
    );
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
      'session_host.close.summary_key': summaryKeyOf('local_instance_dispose'),
      'session_host.run.outcome': 'error',
    });
    spans[i]!.end();
    children[i]!.setAttributes({ 'session_host.run.outcome': 'error', 'session_host.close.summary_key': 'local_instance_dispose.lifecycle_close' });
    children[i]!.end();
  }
}

// ---- results -------------------------------------------------------------------------------

interface Row {
  name: string;
  ours_ns_per_op?: number;
  baseline_ns_per_op?: number;
  ratio?: number;
  retained_bytes?: number;
  target: string;
  met: boolean;
  note: string;
}
const rows: Row[] = [];
let lastMark = Date.now();
function progress(name: string): void {
  process.stderr.write(`  ${name} measured in ${((Date.now() - lastMark) / 1000).toFixed(1)} s\n`);
  lastMark = Date.now();
}
const round = (n: number) => Math.round(n * 10) / 10;

/** `BENCH_ONLY=run_hot_path,fanout_10k npm run bench` runs only those cases. */
const only = process.env.BENCH_ONLY?.split(',');
const want = (name: string): boolean => only === undefined || only.includes(name);

async function main(): Promise<void> {
  const processor = new CountingProcessor();
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });

  // 1.
  if (want('run_hot_path')) {
    const { ours, baseline, oursNoSignal, baselineListening } = hotPathSides(provider);
    // Two informational rows first, so the official case below is read against them.
    const quiet = await comparePair(oursNoSignal, baseline, { ops: 20_000, samples: 21, warmup: 5 });
    rows.push({ name: 'run_hot_path_no_signal', ours_ns_per_op: round(quiet.oursNs), baseline_ns_per_op: round(quiet.baselineNs), ratio: quiet.ratio, target: '(informational)', met: true, note: 'as run_hot_path, but trackRun without an AbortSignal' });
    const listening = await comparePair(ours, baselineListening, { ops: 20_000, samples: 21, warmup: 5 });
    rows.push({ name: 'run_hot_path_vs_listening', ours_ns_per_op: round(listening.oursNs), baseline_ns_per_op: round(listening.baselineNs), ratio: listening.ratio, target: '(informational)', met: true, note: 'as run_hot_path, against a baseline that also listens to the abort signal' });
    const r = await comparePair(ours, baseline, { ops: 20_000, samples: 31, warmup: 5 });
    progress('run_hot_path');
    rows.push({ name: 'run_hot_path', ours_ns_per_op: round(r.oursNs), baseline_ns_per_op: round(r.baselineNs), ratio: r.ratio, target: '<= 1.25', met: r.ratio <= 1.25, note: 'trackRun + end(completed), with an AbortSignal, vs a hand-rolled run span' });
  }
  // 2.
  if (want('fanout_10k')) {
    const lifecycle = lifecycleOn(provider, { maxClosedRunSpansPerAction: 10_000 });
    const tracer = provider.getTracer('hand-rolled');
    const r = await comparePair(
      { run: (ops) => { for (let i = 0; i < ops; i++) fanoutOurs(lifecycle, 10_000, 100); } },
      { run: (ops) => { for (let i = 0; i < ops; i++) fanoutBaseline(tracer, 10_000, 100); } },
      { ops: 1, samples: 15, warmup: 3 },
    );
    progress('fanout_10k');
    rows.push({ name: 'fanout_10k', ours_ns_per_op: round(r.oursNs), baseline_ns_per_op: round(r.baselineNs), ratio: r.ratio, target: '<= 1.5', met: r.ratio <= 1.5, note: 'one dispose-all of 10,000 runs in 100 scopes, 10,000 linked children on both sides; op = the whole fan-out' });
  }
  // 3.
  if (want('fanout_scaling')) {
    const sampledOut = new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [processor] });
    const lifecycle = lifecycleOn(sampledOut, { maxClosedRunSpansPerAction: 1_000_000 });
    const r = await comparePair(
      { run: (ops) => fanoutOurs(lifecycle, ops, 100) },
      { run: (ops) => { for (let done = 0; done < ops; done += 1000) fanoutOurs(lifecycle, 1000, 100); } },
      { ops: 100_000, samples: 5, warmup: 1 },
    );
    progress('fanout_scaling');
    rows.push({ name: 'fanout_scaling', ours_ns_per_op: round(r.oursNs), baseline_ns_per_op: round(r.baselineNs), ratio: r.ratio, target: '<= 1.2', met: r.ratio <= 1.2, note: 'ns per interrupted run: one 100,000-run dispose-all (ours) vs 1,000-run ones (baseline); sampled-out spans isolate the package\'s own work' });
  }
  // 4.
  if (want('retained_heap')) {
    const lifecycle = lifecycleOn(provider);
    const cycle = () => {
      fanoutOurs(lifecycle, 1000, 10);
      const counts = lifecycle.stateCounts();
      return counts.activeActions + counts.scopes + counts.runsInFlight + counts.scopeRegistrations;
    };
    cycle(); // warm: caches, the recent-closes ring
    gc();
    const before = process.memoryUsage().heapUsed;
    let leftovers = 0;
    for (let i = 0; i < 1000; i++) leftovers += cycle();
    gc();
    const retained = process.memoryUsage().heapUsed - before;
    progress('retained_heap');
    rows.push({ name: 'retained_heap', retained_bytes: retained, target: '<= 1 MiB', met: retained <= 1024 * 1024 && leftovers === 0, note: `1,000,000 runs tracked, interrupted and ended in 1,000 dispose-alls; state left after the actions: ${leftovers}` });
  }
  // 5.
  if (want('exporter_down')) {
    const downUrl = `http://127.0.0.1:${await freePort()}/v1/traces`;
    const down = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: downUrl, timeoutMillis: 1000 }))] });
    const up = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discarding)] });
    const oursDown = hotPathSides(down).ours;
    const oursUp = hotPathSides(up).ours;
    const yielding = (side: { run(ops: number): void }) => ({
      async run(ops: number) {
        for (let done = 0; done < ops; done += 1000) {
          side.run(1000);
          await new Promise((resolve) => setImmediate(resolve)); // let the processor export
        }
      },
    });
    gc();
    const before = process.memoryUsage().heapUsed;
    const r = await comparePair(yielding(oursDown), yielding(oursUp), { ops: 20_000, samples: 21, warmup: 3 });
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    const bound = 2048 * 2048; // the default queue of 2,048 spans at 2 KiB each
    progress('exporter_down');
    rows.push({
      name: 'exporter_down',
      ours_ns_per_op: round(r.oursNs),
      baseline_ns_per_op: round(r.baselineNs),
      ratio: r.ratio,
      target: '<= 1.1, heap bounded by the queue',
      met: r.ratio <= 1.1 && growth <= bound,
      note: `run_hot_path through a BatchSpanProcessor + OTLP/HTTP exporter at a closed port vs a discarding exporter; heap growth ${(growth / 1024).toFixed(0)} KiB (bound ${bound / 1024} KiB)`,
    });
    await Promise.all([down.shutdown().catch(() => undefined), up.shutdown()]); // the down one fails to flush, as it should
  }
  void processor.ended;

  const fmt = (ns: number | undefined) => (ns === undefined ? '' : ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
  const lines = [
    `${'case'.padEnd(26)}${'ours'.padStart(12)}${'baseline'.padStart(12)}${'ratio'.padStart(9)}  ${'target'.padEnd(34)}result`,
    ...rows.map((r) =>
      r.retained_bytes !== undefined
        ? `${r.name.padEnd(26)}${`${(r.retained_bytes / 1024).toFixed(0)} KiB`.padStart(12)}${''.padStart(12)}${''.padStart(9)}  ${r.target.padEnd(34)}${r.met ? 'met' : 'MISSED'}`
        : `${r.name.padEnd(26)}${fmt(r.ours_ns_per_op).padStart(12)}${fmt(r.baseline_ns_per_op).padStart(12)}${r.ratio!.toFixed(2).padStart(9)}  ${r.target.padEnd(34)}${r.target === '(informational)' ? '' : r.met ? 'met' : 'MISSED'}`,
    ),
  ];
  process.stdout.write(`node ${process.version}, ${rows.length} cases, medians of interleaved samples\n\n${lines.join('\n')}\n\n`);
  for (const r of rows) process.stdout.write(`  ${r.name}: ${r.note}\n`);
  const json = rows.map(({ note, ...r }) => ({ ...r, ...(r.ratio !== undefined ? { ratio: Math.round(r.ratio * 1000) / 1000 } : {}), note }));
  // A partial run (BENCH_ONLY) prints its rows but leaves the full results file alone.
  if (only === undefined) writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({ node: process.version, generated: new Date().toISOString(), cases: json }, null, 2) + '\n');
}

await main();
