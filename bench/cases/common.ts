// What every case shares: the span processor both sides use, the ids, the result shape, and the
// two sides of a run (the package's trackRun, and what a careful host writes by hand).
import { context, SpanKind, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
// The built package, as users run it (npm run bench builds it first). Public API only.
import { scopeKeyOf, SessionLifecycleInstrumentation, type SessionLifecycleConfig } from '../../dist/index.js';

/** One case's figures from one process. Times in ns; `ours` and `baseline` per `unit`. */
export interface CaseResult {
  name: string;
  /** What `ours` and `baseline` count: ns per run, ns per whole operation, bytes, spans. */
  unit: 'ns/run' | 'ns/op' | 'bytes' | 'spans';
  ours: number;
  baseline?: number;
  /** ours / baseline. */
  ratio?: number;
  /** (ours - baseline) per run, in ns. */
  nsAddedPerRun?: number;
  /** Other figures of the case (heap growth, lost spans, …), summarised like the rest. */
  extra?: Record<string, number>;
}

export type CaseFn = () => Promise<CaseResult | CaseResult[]>;

/** The span processor both sides share: it sees every ended span and keeps none. */
export class CountingProcessor implements SpanProcessor {
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

export const RUN_IDS = Array.from({ length: 100_000 }, (_, i) => `run-${i}`);
export const SCOPES = Array.from({ length: 100 }, (_, i) => `/srv/sessions/tenant-${i}/project`);
export const KEYS = SCOPES.map(scopeKeyOf);
/** A signal that is never aborted, shared by every run of the hot path (an instance-wide signal). */
export const never = new AbortController().signal;

export function lifecycleOn(
  provider: TracerProvider,
  config: SessionLifecycleConfig = {},
): SessionLifecycleInstrumentation {
  const lifecycle = new SessionLifecycleInstrumentation(config);
  lifecycle.setTracerProvider(provider);
  return lifecycle;
}

/** The hand-rolled run span: the attributes the package puts on a completed run. */
export function handRun(tracer: Tracer, i: number): void {
  const span = tracer.startSpan(
    'run',
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        'session_host.run.id': RUN_IDS[i & 1023]!,
        'session_host.scope.key': KEYS[i & 15]!,
        'session_host.session.id': 'session-1',
      },
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

export function pairResult(name: string, r: { oursNs: number; baselineNs: number }, runsPerOp = 1): CaseResult {
  return {
    name,
    unit: runsPerOp === 1 ? 'ns/run' : 'ns/op',
    ours: r.oursNs,
    baseline: r.baselineNs,
    ratio: r.oursNs / r.baselineNs,
    nsAddedPerRun: (r.oursNs - r.baselineNs) / runsPerOp,
  };
}

let lastMark = Date.now();
export function progress(name: string): void {
  process.stderr.write(`    ${name} measured in ${((Date.now() - lastMark) / 1000).toFixed(1)} s\n`);
  lastMark = Date.now();
}
