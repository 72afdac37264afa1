import { context, trace } from '@opentelemetry/api';
import { Effect, Tracer } from 'effect';
import { describe, expect, it } from 'vitest';
import { withLifecycleAction } from 'otel-session-lifecycle/effect';
import { setup } from './setup.js';

/** An Effect tracer that exports its spans itself (as effect/observability's OtlpTracer does). */
const exportingTracer = Tracer.make({ span: (options) => new Tracer.NativeSpan(options) });

describe('where the action span hangs', () => {
  it('under the current span of an Effect tracer that exports (same trace, parent = that span)', async () => {
    const h = setup();
    const request = await Effect.runPromise(
      Effect.gen(function* () {
        const span = yield* Effect.currentSpan;
        yield* Effect.void.pipe(withLifecycleAction(h.lifecycle, 'instance_reload'));
        return span;
      }).pipe(Effect.withSpan('POST /reload'), Effect.withTracer(exportingTracer)),
    );
    const [action] = h.actionSpans();
    expect(action!.spanContext().traceId).toBe(request.traceId);
    expect(action!.parentSpanContext?.spanId).toBe(request.spanId);
  });

  it('as a root under Effect’s default tracer, whose spans no backend receives', async () => {
    const h = setup();
    await Effect.runPromise(
      Effect.void.pipe(withLifecycleAction(h.lifecycle, 'instance_reload'), Effect.withSpan('POST /reload')),
    );
    const [action] = h.actionSpans();
    expect(action!.parentSpanContext).toBeUndefined();
  });

  it('under an active OpenTelemetry span (an HTTP request span) when there is one', async () => {
    const h = setup();
    const parent = h.provider.getTracer('host').startSpan('POST /reload');
    await context.with(trace.setSpan(context.active(), parent), () =>
      Effect.runPromise(
        Effect.void.pipe(withLifecycleAction(h.lifecycle, 'instance_reload'), Effect.withTracer(exportingTracer)),
      ),
    );
    parent.end();
    const [action] = h.actionSpans();
    expect(action!.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
  });
});
