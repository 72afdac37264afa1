// Guarded reads of anything a host hands in: a getter that throws, a revoked proxy or a value of
// the wrong type reads as absent, never as an exception in host code.
import { isSpanContextValid, type Span, type SpanContext } from '@opentelemetry/api';

/** Reads one property, treating a throwing getter (or a revoked proxy) as absent. */
export function readProperty(value: object, name: string | symbol): unknown {
  try {
    return (value as Record<string | symbol, unknown>)[name];
  } catch {
    return undefined;
  }
}

/** One field of a value that may be anything: absent unless it is an object whose getter answers. */
export function readOption(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? readProperty(value, name) : undefined;
}

/** A non-negative integer config value, or the default with a reason. */
export function countOption(value: unknown, fallback: number): { value: number; problem?: string } {
  if (value === undefined) return { value: fallback };
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return { value };
  return { value: fallback, problem: `expected a non-negative integer, using ${fallback}` };
}

/** A bounded copy of an array the host handed in; `undefined` for a non-array or one that cannot be read. */
export function readArray(value: unknown, max = 10_000): unknown[] | undefined {
  try {
    return Array.isArray(value) ? (value as unknown[]).slice(0, max) : undefined;
  } catch {
    return undefined;
  }
}

export function isSpan(value: unknown): value is Span {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof readProperty(value, 'spanContext') === 'function' &&
    typeof readProperty(value, 'setAttributes') === 'function'
  );
}

/** The runtime's own AbortSignal class: its instances need no duck-typing. */
const NATIVE_SIGNAL: typeof AbortSignal | undefined = typeof AbortSignal === 'function' ? AbortSignal : undefined;

export function isAbortSignal(value: unknown): value is AbortSignal {
  if (NATIVE_SIGNAL !== undefined && value instanceof NATIVE_SIGNAL) return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof readProperty(value, 'aborted') === 'boolean' &&
    typeof readProperty(value, 'addEventListener') === 'function'
  );
}

/** The span's context, when it has a valid one (a hostile span answers nothing). */
export function spanContextOf(span: Span): SpanContext | undefined {
  try {
    const spanContext = span.spanContext();
    return isSpanContextValid(spanContext) ? spanContext : undefined;
  } catch {
    return undefined;
  }
}

/** `true` for an instance of Error (a revoked proxy or a hostile prototype answers `false`). */
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

const promiseThen = Promise.prototype.then;

/**
 * Observes a native promise's settlement with the intrinsic `then` (so a subclass's own `then` is
 * not called by us); `false` for anything else. A thenable that is not a native promise is never
 * touched: calling its `then` could run a lazy thenable's work a second time.
 */
export function observeSettlement(value: unknown, onFulfilled: () => void, onRejected: (e: unknown) => void): boolean {
  if (!(value instanceof Promise)) return false;
  try {
    promiseThen.call(value, onFulfilled, onRejected);
    return true;
  } catch {
    return false;
  }
}

/** The trackRun options, read once; a getter that throws reads as absent. */
export interface RawRunOptions {
  runId?: unknown;
  sessionId?: unknown;
  scope?: unknown;
  signal?: unknown;
  span?: unknown;
  endSpan?: unknown;
}

export function readRunOptions(options: unknown): RawRunOptions {
  if (typeof options !== 'object' || options === null) return {};
  try {
    const { runId, sessionId, scope, signal, span, endSpan } = options as RawRunOptions;
    return { runId, sessionId, scope, signal, span, endSpan };
  } catch {
    const field = (name: keyof RawRunOptions) => readOption(options, name);
    return {
      runId: field('runId'),
      sessionId: field('sessionId'),
      scope: field('scope'),
      signal: field('signal'),
      span: field('span'),
      endSpan: field('endSpan'),
    };
  }
}

/**
 * The raw scopes in a value a host passes to a lifecycle call: a directory string, an object with a
 * string `directory` (a context object), or an array of those. Anything else names no scope.
 */
export function scopesIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  const items = readArray(value, 4096);
  const scopes: string[] = [];
  for (const item of items ?? [value]) {
    if (typeof item === 'string') {
      if (items !== undefined) scopes.push(item);
    } else {
      const directory = readOption(item, 'directory');
      if (typeof directory === 'string') scopes.push(directory);
    }
  }
  return scopes;
}

/** What a host handed in, as a diag line may show it: its type, never its contents. */
export function describeInput(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * The raw scopes a host's `scopeOf` answered: a string, or the strings of an array (at most 4096,
 * like `scopesIn`); `undefined` for no answer, and for any other value (`problem` says so).
 */
export function scopesAnswered(value: unknown): { scopes: string[] | undefined; problem?: string } {
  if (value === undefined) return { scopes: undefined };
  if (typeof value === 'string') return { scopes: [value] };
  const items = readArray(value, 4096);
  if (items !== undefined) return { scopes: items.filter((s): s is string => typeof s === 'string') };
  return { scopes: undefined, problem: `returned ${describeInput(value)}, not a string or string[]; ignored` };
}
