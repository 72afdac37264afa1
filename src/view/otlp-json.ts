// Reading trace data into the span shape the views work on: SDK ReadableSpans (SDK 1, 2 and 3
// shapes) and OTLP/JSON (an OTLP/HTTP body, an array of them, or a collector file export).
import { readOption } from '../host-input.js';

/** The span shape the renderer works on. */
export interface TreeSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly links: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>;
  readonly startTimeMs: number;
  readonly durationMs: number;
}

/** The parts of an SDK `ReadableSpan` the renderer reads. */
export interface ReadableSpanLike {
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  spanContext(): { traceId: string; spanId: string };
  readonly parentSpanContext?: { readonly spanId: string } | undefined;
  readonly parentSpanId?: string | undefined;
  readonly links: ReadonlyArray<{ readonly context: { readonly traceId: string; readonly spanId: string } }>;
  readonly startTime: readonly [number, number];
  readonly duration: readonly [number, number];
}

const hrToMs = (t: readonly [number, number]): number => t[0] * 1e3 + t[1] / 1e6;

function isTreeSpan(span: TreeSpan | ReadableSpanLike): span is TreeSpan {
  return typeof (span as TreeSpan).traceId === 'string';
}

export function toTreeSpan(span: TreeSpan | ReadableSpanLike): TreeSpan {
  if (isTreeSpan(span)) return span;
  const context = span.spanContext();
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? span.parentSpanId,
    name: span.name,
    attributes: span.attributes,
    links: span.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
    startTimeMs: hrToMs(span.startTime),
    durationMs: hrToMs(span.duration),
  };
}

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpAnyValue[] };
}

function otlpValue(value: OtlpAnyValue | undefined): unknown {
  if (value === undefined || value === null) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(otlpValue);
  return undefined;
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** One field of a parsed (or handed-in) object; a throwing getter reads as absent. */
const field = readOption;
const nanosToMs = (value: unknown): number => {
  if (typeof value !== 'string' && typeof value !== 'number') return 0;
  try {
    return Number(BigInt(value) / 1000n) / 1000;
  } catch {
    return 0;
  }
};

/**
 * Spans from OTLP/JSON: an `ExportTraceServiceRequest` body (what the OTLP/HTTP exporter sends
 * with `http/json`), an array of them, or the collector `file` exporter's output (one per line).
 * A span seen twice (an exporter retry) is kept once. Throws a `SyntaxError` for text that is
 * none of these.
 */
export function spansFromOtlpJson(input: unknown): TreeSpan[] {
  let requests: unknown[];
  if (typeof input === 'string') {
    const text = input.trim();
    try {
      const parsed: unknown = JSON.parse(text);
      requests = Array.isArray(parsed) ? parsed : [parsed];
    } catch {
      requests = text.split('\n').filter((line) => line.trim() !== '').map((line, i) => {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          throw new SyntaxError(`line ${i + 1} is not JSON`);
        }
      });
    }
  } else {
    requests = Array.isArray(input) ? input : [input];
  }
  const spans: TreeSpan[] = [];
  const seen = new Set<string>();
  for (const request of requests) {
    const resourceSpans = field(request, 'resourceSpans');
    if (!Array.isArray(resourceSpans)) throw new SyntaxError('not OTLP/JSON trace data: no resourceSpans');
    for (const rs of resourceSpans) {
      for (const ss of asArray(field(rs, 'scopeSpans'))) {
        for (const raw of asArray(field(ss, 'spans'))) {
          const text = (name: string): string => {
            const value = field(raw, name);
            return typeof value === 'string' ? value : '';
          };
          const attributes: Record<string, unknown> = {};
          for (const kv of asArray(field(raw, 'attributes'))) {
            const key = field(kv, 'key');
            if (typeof key === 'string') attributes[key] = otlpValue(field(kv, 'value') as OtlpAnyValue);
          }
          const start = nanosToMs(field(raw, 'startTimeUnixNano'));
          const id = `${text('traceId')}/${text('spanId')}`;
          if (seen.has(id)) continue;
          seen.add(id);
          spans.push({
            traceId: text('traceId'),
            spanId: text('spanId'),
            parentSpanId: text('parentSpanId') || undefined,
            name: text('name'),
            attributes,
            links: asArray(field(raw, 'links')).map((l) => ({ traceId: String(field(l, 'traceId') ?? ''), spanId: String(field(l, 'spanId') ?? '') })),
            startTimeMs: start,
            durationMs: Math.max(0, nanosToMs(field(raw, 'endTimeUnixNano')) - start),
          });
        }
      }
    }
  }
  return spans;
}

