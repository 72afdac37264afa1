// Where an action span begun from a fiber hangs in the trace. With @effect/opentelemetry the host's
// current Effect span is already the active OpenTelemetry span while the fiber runs, and with a
// plain OpenTelemetry span (an HTTP request) it is active too: both are used as they are. With
// Effect's own exporting tracer (effect/observability's OtlpTracer) the current span lives only in
// the fiber's context: its ids are the parent. Effect's default tracer exports nothing, so its
// spans are never a parent (the action would point at a span no backend ever receives).
import { context, trace, TraceFlags, type Context as OtelContext } from '@opentelemetry/api';
import { Context, type Fiber, Tracer } from 'effect';
import { guarded } from '../guard.js';

let nativeTracer: Tracer.Tracer | undefined;

function isNativeTracer(tracer: Tracer.Tracer): boolean {
  nativeTracer ??= Context.get(Context.empty(), Tracer.Tracer);
  return tracer === nativeTracer;
}

const HEX_TRACE_ID = /^[0-9a-f]{32}$/;
const HEX_SPAN_ID = /^[0-9a-f]{16}$/;

/** The OpenTelemetry context to begin an action in, from the fiber that begins it. */
export function parentContextOf(fiber: Fiber.Fiber<unknown, unknown>): OtelContext {
  const active = context.active();
  if (trace.getSpan(active) !== undefined) return active;
  return guarded("reading the fiber's current span", () => fromEffectSpan(fiber, active), active);
}

function fromEffectSpan(fiber: Fiber.Fiber<unknown, unknown>, active: OtelContext): OtelContext {
  if (isNativeTracer(fiber.getRef(Tracer.Tracer))) return active;
  const parent = Context.getOrUndefined(fiber.context, Tracer.ParentSpan);
  if (parent === undefined || !HEX_TRACE_ID.test(parent.traceId) || !HEX_SPAN_ID.test(parent.spanId)) return active;
  return trace.setSpanContext(active, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
  });
}
