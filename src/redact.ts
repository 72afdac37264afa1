// Turning host values into bounded, content-free telemetry values: ids, scope keys, error
// fingerprints. Nothing here reads a message or keeps a raw path.
import { createHash } from 'node:crypto';
import { isError, readProperty } from './host-input.js';

// A safe id: a UUID, a ULID, or a short token of [A-Za-z0-9_-] (`run_01HZX3K9`, `ses-42`), that does
// not start like a credential. Anything else (paths, e-mail addresses, long tokens, API keys, JWTs)
// is sent as a hash.
const MAX_SAFE_ID = 48;
const CREDENTIAL_PREFIX = /^(?:[spr]k[-_]|AKIA|ASIA|AIza|gh[pousr]_|github_pat_|glpat-|gsk_|npm_|hf_|xox[a-z]-|eyJ)/i;
/**
 * The first two characters of every credential prefix, lower-cased, as a table: per first letter, a
 * bit for each second letter. The pattern runs only on ids that start so.
 */
const PREFIX_STARTS = new Uint32Array(128);
for (const start of ['sk', 'pk', 'rk', 'ak', 'as', 'ai', 'gh', 'gi', 'gl', 'gs', 'np', 'hf', 'xo', 'ey']) {
  PREFIX_STARTS[start.charCodeAt(0)]! |= 1 << (start.charCodeAt(1) - 97);
}

/** Per ASCII code: 2 for a letter or digit, 1 for `-` and `_`, 0 for anything else. */
const ID_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letterOrDigit = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  ID_CHAR[c] = letterOrDigit ? 2 : c === 45 || c === 95 ? 1 : 0;
}

/** `[A-Za-z0-9][A-Za-z0-9_-]{0,47}`, not starting like a credential. A table loop: ids are checked on every run. */
function isSafeId(value: string): boolean {
  const length = value.length;
  if (length === 0 || length > MAX_SAFE_ID) return false;
  const first = value.charCodeAt(0);
  if (first > 127 || ID_CHAR[first] !== 2) return false;
  for (let i = 1; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c > 127 || ID_CHAR[c] === 0) return false;
  }
  // Lower-cased; a second character that is not a letter starts no credential.
  const second = (value.charCodeAt(1) | 32) - 97;
  if (second < 0 || second > 25 || (PREFIX_STARTS[first | 32]! & (1 << second)) === 0) return true;
  return !CREDENTIAL_PREFIX.test(value);
}
/** The last two answers (the older one is replaced): run ids and a repeating session id alternate. */
const RECENT = [
  { raw: '', bounded: '' },
  { raw: '', bounded: '' },
];
let older = 0;
/** A class-name token (`ReloadRejected`, `AbortError`): an upper-case start, at least one lower-case letter. */
const ERROR_NAME_PATTERN = /^(?=[A-Z][A-Za-z0-9]{0,47}$)[A-Z0-9]*[a-z]/;
const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9_]{1,47}$/;

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
  if (typeof value !== 'string')
    return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : 'invalid';
  // Session ids repeat run after run: the last two answers are kept.
  const a = RECENT[0]!;
  const b = RECENT[1]!;
  if (value === a.raw) {
    older = 1;
    return a.bounded;
  }
  if (value === b.raw) {
    older = 0;
    return b.bounded;
  }
  const bounded = isSafeId(value) ? value : `h:${sha256Hex16(value)}`;
  const slot = RECENT[older]!;
  slot.raw = value;
  slot.bounded = bounded;
  older ^= 1;
  return bounded;
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
}

/**
 * A content-free fingerprint of an error: its name, or else its class's name, when that is a
 * class-name token (a specific name wins over the generic `Error`), plus its code when that is an
 * upper-case token (`AbortError`, `ReloadRejected`, `Error:ECONNRESET`), else `_OTHER`. Never a
 * message.
 */
export function errorFingerprint(error: unknown): string {
  if (error === null || (typeof error !== 'object' && typeof error !== 'function')) return '_OTHER';
  const name = safeName(readProperty(error, 'name'));
  let base = name;
  if ((base === undefined || base === 'Error') && isError(error)) {
    const ctor = readProperty(error, 'constructor');
    base = (typeof ctor === 'function' ? safeName(readProperty(ctor, 'name')) : undefined) ?? name;
  }
  base ??= '_OTHER';
  const code = readProperty(error, 'code');
  return typeof code === 'string' && ERROR_CODE_PATTERN.test(code) ? `${base}:${code}` : base;
}

function safeName(value: unknown): string | undefined {
  return typeof value === 'string' && ERROR_NAME_PATTERN.test(value) ? value : undefined;
}
