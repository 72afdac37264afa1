// Bounded tokens: the shape of lifecycle kinds, action reasons and origins. A leaf: the façade, the
// core and the abort-reason helpers all check tokens here.

const TOKEN_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

/** `true` when `kind` is a token a host may declare as its own kind (or a built-in kind). */
export function isLifecycleKind(kind: unknown): kind is string {
  return typeof kind === 'string' && TOKEN_PATTERN.test(kind);
}

/** `true` for a bounded token (`[a-z][a-z0-9_]{0,39}`): the shape of kinds, reasons and origins. */
export function isBoundedToken(value: unknown): value is string {
  return isLifecycleKind(value);
}

/** The kind as a diag message may show it: the token itself, else its type and length only. */
export function describeKind(kind: unknown): string {
  if (isLifecycleKind(kind)) return `'${kind}'`;
  return typeof kind === 'string' ? `a string of length ${kind.length}` : typeof kind;
}
