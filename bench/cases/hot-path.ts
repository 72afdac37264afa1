// The run hot path: trackRun + end(completed) against a hand-rolled run span, in five variants.
import type { Attributes, Counter, MeterProvider as ApiMeterProvider, TracerProvider } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { comparePair, type Side } from '../harness.js';
import { CountingProcessor, handRun, lifecycleOn, never, pairResult, progress, type CaseFn } from './common.js';
import { RUN_IDS, SCOPES } from './common.js';

const PAIR = { ops: 10_000, samples: 21, warmup: 5 };

export function hotPathSides(provider: TracerProvider, meterProvider?: ApiMeterProvider) {
  const lifecycle = lifecycleOn(provider);
  if (meterProvider !== undefined) lifecycle.setMeterProvider(meterProvider);
  const tracer = provider.getTracer('hand-rolled');
  /** trackRun on the shared, never-aborted signal, then end(completed). */
  const ours: Side = {
    run(ops) {
      for (let i = 0; i < ops; i++) {
        const scope = SCOPES[i & 15]!;
        const run = lifecycle.trackRun({ runId: RUN_IDS[i & 1023]!, sessionId: 'session-1', scope, signal: never });
        run.end({ outcome: 'completed' });
      }
    },
  };
  const oursNoSignal: Side = {
    run(ops) {
      for (let i = 0; i < ops; i++) {
        const scope = SCOPES[i & 15]!;
        lifecycle.trackRun({ runId: RUN_IDS[i & 1023]!, sessionId: 'session-1', scope }).end({ outcome: 'completed' });
      }
    },
  };
  /** A fresh AbortController per run, as hosts that give each prompt its own controller do. */
  const oursPerRunController: Side = {
    run(ops) {
      for (let i = 0; i < ops; i++) {
        const controller = new AbortController();
        const scope = SCOPES[i & 15]!;
        const signal = controller.signal;
        const run = lifecycle.trackRun({ runId: RUN_IDS[i & 1023]!, sessionId: 'session-1', scope, signal });
        run.end({ outcome: 'completed' });
      }
    },
  };
  const baseline: Side = {
    run(ops) {
      for (let i = 0; i < ops; i++) handRun(tracer, i);
    },
  };
  /** The hand-rolled span, plus the abort listener a host needs to notice an interrupt at all. */
  const baselineListening: Side = {
    run(ops) {
      for (let i = 0; i < ops; i++) {
        const onAbort = (): void => {};
        never.addEventListener('abort', onAbort);
        handRun(tracer, i);
        never.removeEventListener('abort', onAbort);
      }
    },
  };
  const baselinePerRunController: Side = {
    run(ops) {
      for (let i = 0; i < ops; i++) {
        const controller = new AbortController();
        const onAbort = (): void => {};
        controller.signal.addEventListener('abort', onAbort);
        handRun(tracer, i);
        controller.signal.removeEventListener('abort', onAbort);
      }
    },
  };
  return { ours, oursNoSignal, oursPerRunController, baseline, baselineListening, baselinePerRunController };
}

const provider = new BasicTracerProvider({ spanProcessors: [new CountingProcessor()] });
let cached: ReturnType<typeof hotPathSides> | undefined;
const hot = () => (cached ??= hotPathSides(provider));

export const hotPathCases: Record<string, CaseFn> = {
  async run_hot_path() {
    const { ours, baseline } = hot();
    const r = await comparePair(ours, baseline, PAIR);
    progress('run_hot_path');
    return pairResult('run_hot_path', r);
  },
  async run_hot_path_no_signal() {
    const { oursNoSignal, baseline } = hot();
    const r = await comparePair(oursNoSignal, baseline, PAIR);
    progress('run_hot_path_no_signal');
    return pairResult('run_hot_path_no_signal', r);
  },
  async run_hot_path_vs_listening() {
    const { ours, baselineListening } = hot();
    const r = await comparePair(ours, baselineListening, PAIR);
    progress('run_hot_path_vs_listening');
    return pairResult('run_hot_path_vs_listening', r);
  },
  async per_run_controller() {
    const { oursPerRunController, baselinePerRunController } = hot();
    const r = await comparePair(oursPerRunController, baselinePerRunController, { ...PAIR, ops: 5_000 });
    progress('per_run_controller');
    return pairResult('per_run_controller', r);
  },
  /** run_hot_path with a real MeterProvider: the package counts each close, and so does the host. */
  async hot_path_meter_provider() {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const { ours } = hotPathSides(provider, meterProvider);
    const tracer = provider.getTracer('hand-rolled');
    const meter = meterProvider.getMeter('hand-rolled');
    const closes: Counter = meter.createCounter('session_host.run.closes', { unit: '{run}' });
    const success: Attributes = Object.freeze({ 'session_host.close.classification': 'success' });
    const baseline: Side = {
      run(ops) {
        for (let i = 0; i < ops; i++) {
          handRun(tracer, i);
          closes.add(1, success);
        }
      },
    };
    const r = await comparePair(ours, baseline, PAIR);
    await reader.forceFlush();
    const scopes = exporter.getMetrics().flatMap((m) => m.scopeMetrics);
    const points = scopes.flatMap((s) => s.metrics.map((x) => x.descriptor.name));
    await meterProvider.shutdown();
    progress('hot_path_meter_provider');
    const result = pairResult('hot_path_meter_provider', r);
    // Proof that both sides really recorded into the SDK: both scopes exported session_host.run.closes.
    result.extra = { exported_close_counters: points.filter((n) => n === 'session_host.run.closes').length };
    return result;
  },
};
