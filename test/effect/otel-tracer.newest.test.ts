// With @effect/opentelemetry (which needs effect >= 4.1, so this file runs on the newest 4.x only).
import * as OtelTracer from '@effect/opentelemetry/OtelTracer';
import * as Resource from '@effect/opentelemetry/Resource';
import { Effect, Fiber, Layer } from 'effect';
import { describe, expect, it } from 'vitest';
import { trackedRun, withLifecycleAction } from 'otel-session-lifecycle/effect';
import { closeOf, setup, settle } from './setup.js';

describe('with Effect’s OpenTelemetry tracer (@effect/opentelemetry)', () => {
  it('nests the action span under the host’s current Effect span and keeps the attribution', async () => {
    const h = setup();
    // The wiring docs/effect.md gives: one TracerProvider for the lifecycle and for Effect's tracer.
    const tracing = OtelTracer.layer.pipe(
      Layer.provide(Layer.succeed(OtelTracer.OtelTracerProvider, h.provider)),
      Layer.provide(Resource.layerEmpty),
    );
    await Effect.runPromise(
      Effect.gen(function* () {
        const run = yield* Effect.forkChild(trackedRun(h.lifecycle, { runId: 'r1', scope: '/srv/a' })(Effect.never));
        yield* settle;
        yield* Fiber.interrupt(run).pipe(
          withLifecycleAction(h.lifecycle, 'instance_reload'),
          Effect.withSpan('POST /reload'),
        );
      }).pipe(Effect.provide(tracing)),
    );
    const [request] = h.named('POST /reload');
    const [action] = h.actionSpans();
    expect(request).toBeDefined();
    expect(action!.spanContext().traceId).toBe(request!.spanContext().traceId);
    expect(action!.parentSpanContext?.spanId).toBe(request!.spanContext().spanId);
    expect(closeOf(h, 'r1').classification).toBe('local_instance_reload');
    expect(h.closedRunSpan('r1')?.parentSpanContext?.spanId).toBe(action!.spanContext().spanId);
  });
});
