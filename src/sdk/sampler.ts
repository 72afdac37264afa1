// A head sampler that never drops lifecycle evidence: action spans and closed-run spans are always
// recorded and sampled; every other span is left to the wrapped sampler. Typed structurally, so it
// plugs into SDK 2 and SDK 3 tracer providers without this package importing either.
import type { Attributes, Context, Link, SpanKind, TraceState } from '@opentelemetry/api';
import { readProperty } from '../host-input.js';
import { ATTR_ACTION_ID, SPAN_NAME_ACTION_PREFIX, SPAN_NAME_CLOSED_RUN } from '../semconv.js';

/** `SamplingDecision` of the SDK: NOT_RECORD = 0, RECORD = 1, RECORD_AND_SAMPLED = 2. */
export type SamplingDecisionValue = 0 | 1 | 2;

export interface SamplingResultLike {
  decision: SamplingDecisionValue;
  attributes?: Readonly<Attributes>;
  traceState?: TraceState;
}

/** The shape of an SDK `Sampler`. */
export interface SamplerLike {
  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResultLike;
  toString(): string;
}

const RECORD_AND_SAMPLED: SamplingResultLike = Object.freeze({ decision: 2 });

/** `true` for the spans the package starts for an action or a closed run. */
export function isLifecycleEvidence(spanName: string, attributes: Attributes | undefined): boolean {
  return (
    attributes !== undefined &&
    typeof attributes[ATTR_ACTION_ID] === 'string' &&
    (spanName === SPAN_NAME_CLOSED_RUN || spanName.startsWith(SPAN_NAME_ACTION_PREFIX))
  );
}

export class LifecycleSampler implements SamplerLike {
  /** Throws a `TypeError` when `delegate` is not a sampler (at set-up, never while sampling). */
  constructor(private readonly delegate: SamplerLike) {
    const ok =
      typeof delegate === 'object' && delegate !== null && typeof readProperty(delegate, 'shouldSample') === 'function';
    if (!ok) {
      throw new TypeError('otel-session-lifecycle: LifecycleSampler wraps a sampler (an object with shouldSample)');
    }
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResultLike {
    if (isLifecycleEvidence(spanName, attributes)) return RECORD_AND_SAMPLED;
    return this.delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `LifecycleSampler{${this.delegate.toString()}}`;
  }
}
