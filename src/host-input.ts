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

/** `false` only when the span says it does not record; a span that cannot say counts as recording. */
export function isRecording(span: Span): boolean {
  try {
    return span.isRecording() !== false;
  } catch {
    return true;
  }
}

/** The runtime's own AbortSignal class: its instances need no duck-typing. */
const NATIVE_SIGNAL: typeof AbortSignal | undefined = typeof AbortSignal === 'function' ? AbortSignal : undefined;

/** The runtime's own AbortSignal (an EventTarget: adding a listener it already has is a no-op). */
export function isNativeSignal(value: unknown): value is AbortSignal {
  return NATIVE_SIGNAL !== undefined && value instanceof NATIVE_SIGNAL;
}

export function isAbortSignal(value: unknown): value is AbortSignal {
  if (isNativeSignal(value)) return true;
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

/**
 * `true` for an Effect value (effect 4 marks every Effect with this key), recognised without
 * importing `effect`.
 */
export function isEffectLike(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return '~effect/Effect' in value;
  } catch {
    return false;
  }
}

const promiseThen = Promise.prototype.then;

/**
 * What a wrapped call returns, followed to its settlement: `onSettled` runs once, when the value
 * settles (at once for a value that is not a promise or thenable). What the caller gets back works
 * as the value did:
 * - a native promise: a promise derived with the intrinsic `then` (a subclass's own `then` is not
 *   called), settling as it does. Derived, so that a rejection nobody handles still reaches the
 *   process's `unhandledRejection`, as it would without the package;
 * - another thenable (a promise library's, or a lazy one whose `then` starts the work): its `then`
 *   is called exactly once, here; the caller gets a proxy of it whose `then` answers from that one
 *   call, so the work runs once and every other property is the thenable's own.
 * Anything else, and a thenable that cannot be proxied, is returned as it is (settled at once).
 */
export function followSettlement<T>(value: T, onSettled: (failed: boolean, error: unknown) => void): T {
  if (isNativePromise(value)) {
    return promiseThen.call(
      value,
      (result: unknown) => {
        onSettled(false, undefined);
        return result;
      },
      (error: unknown) => {
        onSettled(true, error);
        throw error;
      },
    ) as T;
  }
  const then = typeof value === 'object' || typeof value === 'function' ? thenOf(value) : undefined;
  if (then === undefined || !canProxyThen(value as object)) {
    onSettled(false, undefined);
    return value;
  }
  const settled = new Promise((resolve, reject) => {
    then.call(value, resolve, reject);
  });
  const derived = followSettlement(settled, onSettled);
  const derivedThen = (onFulfilled?: unknown, onRejected?: unknown): Promise<unknown> =>
    promiseThen.call(derived, onFulfilled as never, onRejected as never);
  return new Proxy(value as object, {
    get: (target, key, receiver) => (key === 'then' ? derivedThen : Reflect.get(target, key, receiver)),
  }) as T;
}

function isNativePromise(value: unknown): value is Promise<unknown> {
  try {
    return value instanceof Promise;
  } catch {
    return false;
  }
}

function thenOf(value: unknown): ((this: unknown, ...args: unknown[]) => unknown) | undefined {
  if (value === null) return undefined;
  const then = readProperty(value as object, 'then');
  return typeof then === 'function' ? (then as (this: unknown, ...args: unknown[]) => unknown) : undefined;
}

/** A proxy may answer its own `then` unless the target's is a fixed own property (frozen). */
function canProxyThen(value: object): boolean {
  try {
    const own = Object.getOwnPropertyDescriptor(value, 'then');
    return own === undefined || own.configurable === true || own.writable === true;
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
