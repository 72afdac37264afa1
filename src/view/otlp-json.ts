// Reading trace data into the span shape the views work on: SDK ReadableSpans (SDK 1, 2 and 3
// shapes) and OTLP/JSON (an OTLP/HTTP body, an array of them, or a collector file export).
import { readOption } from '../host-input.js';
import { ATTR_LINK_RELATION } from '../semconv.js';

/** The span shape the renderer works on. */
export interface TreeSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly links: ReadonlyArray<TreeSpanLink>;
  readonly startTimeMs: number;
  readonly durationMs: number;
}

/** A span link; `relation` is the link's `session_host.link.relation` attribute when it has one. */
export interface TreeSpanLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly relation?: string;
}

/** The parts of an SDK `ReadableSpan` the renderer reads. */
export interface ReadableSpanLike {
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  spanContext(): { traceId: string; spanId: string };
  readonly parentSpanContext?: { readonly spanId: string } | undefined;
  readonly parentSpanId?: string | undefined;
  readonly links: ReadonlyArray<{
    readonly context: { readonly traceId: string; readonly spanId: string };
    readonly attributes?: Readonly<Record<string, unknown>> | undefined;
  }>;
  readonly startTime: readonly [number, number];
  readonly duration: readonly [number, number];
}

const hrToMs = (t: readonly [number, number]): number => t[0] * 1e3 + t[1] / 1e6;

function withRelation(traceId: string, spanId: string, relation: unknown): TreeSpanLink {
  return typeof relation === 'string' ? { traceId, spanId, relation } : { traceId, spanId };
}

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
    links: span.links.map((l) => withRelation(l.context.traceId, l.context.spanId, l.attributes?.[ATTR_LINK_RELATION])),
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

function otlpAttributes(list: unknown): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const kv of asArray(list)) {
    const key = field(kv, 'key');
    if (typeof key === 'string') attributes[key] = otlpValue(field(kv, 'value') as OtlpAnyValue);
  }
  return attributes;
}
const nanosToMs = (value: unknown): number => {
  if (typeof value !== 'string' && typeof value !== 'number') return 0;
  try {
    return Number(BigInt(value) / 1000n) / 1000;
  } catch {
    return 0;
  }
};

/** `true` when `JSON.parse` refused a text because it ends too soon. */
function endsTooSoon(text: string, error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  const at = /position (\d+)/.exec(message);
  return /end of JSON input|Unterminated/.test(message) || (at !== null && Number(at[1]) >= text.length);
}

/** Why `JSON.parse` refused a text, in one line. */
function jsonProblem(text: string, error: unknown): string {
  if (endsTooSoon(text, error)) return 'truncated JSON: the data ends too soon';
  const message = error instanceof Error ? error.message.split('\n')[0]! : '';
  return `not JSON${message === '' ? '' : `: ${message}`}`;
}

/**
 * The JSON documents in a text: one document (an object or an array of them, pretty-printed or
 * not, with or without a trailing newline), or one document per line (JSON lines). Throws a
 * one-line `SyntaxError` naming the line, and saying so when the data looks truncated.
 */
export function jsonDocuments(input: string): unknown[] {
  const text = input.trim();
  if (text === '') throw new SyntaxError('empty input');
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch (error) {
    const lines = text.split('\n');
    const documents: unknown[] = [];
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue;
      try {
        documents.push(JSON.parse(line));
      } catch (lineError) {
        // A first line that is no document of its own: the text is one (broken) document.
        if (documents.length === 0) throw new SyntaxError(jsonProblem(text, error));
        const cut = i === lines.length - 1 && endsTooSoon(line, lineError);
        throw new SyntaxError(`line ${i + 1} is not JSON${cut ? ' (truncated: the data ends too soon)' : ''}`);
      }
    }
    return documents;
  }
  return Array.isArray(whole) ? whole : [whole];
}

/**
 * Spans from OTLP/JSON: an `ExportTraceServiceRequest` body (what the OTLP/HTTP exporter sends
 * with `http/json`), an array of them, or the collector `file` exporter's output (one per line).
 * A span seen twice (an exporter retry) is kept once. Throws a `SyntaxError` for text that is
 * none of these.
 */
export function spansFromOtlpJson(input: unknown): TreeSpan[] {
  const requests = typeof input === 'string' ? jsonDocuments(input) : Array.isArray(input) ? input : [input];
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
          const attributes = otlpAttributes(field(raw, 'attributes'));
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
            links: asArray(field(raw, 'links')).map((l) =>
              withRelation(
                String(field(l, 'traceId') ?? ''),
                String(field(l, 'spanId') ?? ''),
                otlpAttributes(field(l, 'attributes'))[ATTR_LINK_RELATION],
              ),
            ),
            startTimeMs: start,
            durationMs: Math.max(0, nanosToMs(field(raw, 'endTimeUnixNano')) - start),
          });
        }
      }
    }
  }
  return spans;
}
