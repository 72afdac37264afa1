// Guarded reads of anything a host hands in: a getter that throws, a revoked proxy or a value of
// the wrong type reads as absent, never as an exception in host code.

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
