// Everything that turns host input into bounded, content-free telemetry values.
import { createHash } from 'node:crypto';

export const MAX_ID_LENGTH = 128;
const KIND_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
// A safe id: a bounded token that is not shaped like a credential (API keys sk-, pk-, rk-;
// GitHub and Slack tokens; AWS access keys; JWTs), which are hashed like any other unsafe id.
const SAFE_ID_PATTERN = /^(?![spr]k[-_]|gh[pousr]_|github_pat_|xox[a-z]-|AKIA|ASIA|eyJ)[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/i;
const ERROR_NAME_PATTERN = /^(?:[A-Z][A-Za-z0-9]{0,46})?(?:Error|Exception)$/;
const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9_]{1,47}$/;

/** `true` when `kind` is a built-in kind or a valid host-defined token. */
export function isLifecycleKind(kind: unknown): kind is string {
  return typeof kind === 'string' && KIND_PATTERN.test(kind);
}

export function describeInvalidKind(kind: unknown): string {
  const shown = typeof kind === 'string' ? `a string of length ${kind.length}` : typeof kind;
  return (
    `invalid lifecycle kind (${shown}): expected one of instance_reload, instance_dispose, ` +
    'instance_dispose_directory, instance_dispose_all, or a token matching /^[a-z][a-z0-9_]{0,39}$/'
  );
}

function sha256Hex16(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

/**
 * Turns a host-supplied run or session id into a bounded token. A safe id is kept as it is; any
 * other string (too long, with path or e-mail characters, or shaped like a credential) becomes
 * `h:<first 16 hex of its SHA-256>`, which a host can compute to correlate; any other type is
 * `invalid`.
 */
export function boundedId(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value !== 'string') return 'invalid';
  if (SAFE_ID_PATTERN.test(value)) return value;
  return `h:${sha256Hex16(value)}`;
}

/** `h:<16 hex>`: the form an unsafe run or session id takes on the wire. */
export function hashId(value: string): string {
  return `h:${sha256Hex16(value)}`;
}

/** The scope key of a raw scope (a directory): `dir:` + first 16 hex chars of its SHA-256. */
export function scopeKeyOf(rawScope: string): string {
  return `dir:${sha256Hex16(rawScope)}`;
}

export const INVALID_SCOPE_KEY = 'dir:invalid';

/** Scopes longer than this are hashed each time rather than kept as cache keys. */
const MAX_CACHED_SCOPE_LENGTH = 4096;

/** Scope keys of recently seen scopes, so a hot path does not hash the same directory again. */
export class ScopeKeyCache {
  private readonly keys = new Map<string, string>();
  constructor(private readonly capacity: number) {}

  get(rawScope: string): string {
    let key = this.keys.get(rawScope);
    if (key === undefined) {
      key = scopeKeyOf(rawScope);
      if (rawScope.length > MAX_CACHED_SCOPE_LENGTH) return key;
      if (this.keys.size >= this.capacity) {
        const oldest = this.keys.keys().next();
        if (!oldest.done) this.keys.delete(oldest.value);
      }
      this.keys.set(rawScope, key);
    }
    return key;
  }

  get size(): number {
    return this.keys.size;
  }
}

/** Reads one property, treating a throwing getter as absent. */
export function readProperty(value: object, name: string): unknown {
  try {
    return (value as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

/** One field of a value that may be anything: absent unless it is an object whose getter answers. */
export function readOption(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? readProperty(value, name) : undefined;
}

/**
 * A content-free fingerprint of an error: its name when that is an error-class token, plus its
 * code when that is an upper-case token (`AbortError`, `Error:ECONNRESET`), else `_OTHER`.
 * Never a message.
 */
export function errorFingerprint(error: unknown): string {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) return '_OTHER';
  const name = readProperty(error, 'name');
  const code = readProperty(error, 'code');
  const base = typeof name === 'string' && ERROR_NAME_PATTERN.test(name) ? name : '_OTHER';
  return typeof code === 'string' && ERROR_CODE_PATTERN.test(code) ? `${base}:${code}` : base;
}

/** A non-negative integer config value, or the default with a reason. */
export function countOption(value: unknown, fallback: number): { value: number; problem?: string } {
  if (value === undefined) return { value: fallback };
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return { value };
  return { value: fallback, problem: `expected a non-negative integer, using ${fallback}` };
}
