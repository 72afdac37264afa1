import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashId, isLifecycleKind, scopeKeyOf } from '../src/index.js';
import { boundedId, errorFingerprint } from '../src/redact.js';

const h16 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

describe('bounds', () => {
  it('keeps safe ids and hashes everything else', () => {
    expect(boundedId('run_01HZX3K9')).toBe('run_01HZX3K9');
    expect(boundedId('3f0c2a1e-7b1d-4c8a-9a55-1d2c3b4a5f60')).toBe('3f0c2a1e-7b1d-4c8a-9a55-1d2c3b4a5f60');
    expect(boundedId(42)).toBe('42');
    for (const unsafe of [
      '/home/x/run',
      'a@b.example',
      'sk-ant-abc123',
      'ghp_abcdef',
      'eyJhbGciOi.x.y',
      'has space',
      'rün-1',
      '-run-1',
      '_run',
      'run.1',
      'run\u0141',
      'x'.repeat(129),
      // Id-length values with one character out of place.
      '3f0c2a1e-7b1d-4c8a/9a55-1d2c3b4a5f60',
      '01HZX3K9Q8W7E6R5T4Y3U2I1O0\n',
      '-01HZX3K9Q8W7E6R5T4Y3U2I1O0',
      'ses_0123456789 abcdef',
      'ses_0123456789abcdé',
      'ses_0123456789abcdef.x',
    ]) {
      expect(boundedId(unsafe)).toBe(`h:${h16(unsafe)}`);
      expect(hashId(unsafe)).toBe(boundedId(unsafe));
    }
    expect(boundedId('x'.repeat(48))).toBe('x'.repeat(48));
    expect(boundedId('x'.repeat(49))).toBe(hashId('x'.repeat(49)));
    for (const wrong of [undefined, null, {}, 1.5, Symbol('s'), () => 1]) expect(boundedId(wrong)).toBe('invalid');
  });

  it('answers the same for an id whatever ids came before it (the recent-answers cache)', () => {
    const ids = ['run-1', 'sk-live-secret', 'session-1', 'run-2', 'session-1', '/home/x', 'run-1', 'session-1'];
    const fresh = ids.map((id) => (id.startsWith('sk-') || id.includes('/') ? hashId(id) : id));
    expect(ids.map((id) => boundedId(id))).toEqual(fresh);
    expect([...ids].reverse().map((id) => boundedId(id))).toEqual([...fresh].reverse());
  });

  it('fingerprints errors by name and code tokens, never by message', () => {
    expect(errorFingerprint(new Error('m'))).toBe('Error');
    expect(errorFingerprint(new TypeError('m'))).toBe('TypeError');
    expect(errorFingerprint(new DOMException('m', 'AbortError'))).toBe('AbortError');
    expect(errorFingerprint(Object.assign(new Error('m'), { code: 'ECONNRESET' }))).toBe('Error:ECONNRESET');
    expect(errorFingerprint(Object.assign(new Error('m'), { code: 'econnreset /home' }))).toBe('Error');
    // An unsafe name gives way to the bounded name of the error's class.
    expect(errorFingerprint(Object.assign(new Error('m'), { name: 'Failure at /home/x' }))).toBe('Error');
    expect(errorFingerprint(Object.assign(Object.create(null) as object, { name: 'Failure at /home/x' }))).toBe(
      '_OTHER',
    );
    expect(errorFingerprint('a string with /home/x')).toBe('_OTHER');
    // A host's own error class keeps its name, whether set on the error or only the class's.
    expect(errorFingerprint(Object.assign(new Error('m'), { name: 'ReloadRejected' }))).toBe('ReloadRejected');
    class QuotaExceeded extends Error {}
    expect(errorFingerprint(new QuotaExceeded('m'))).toBe('QuotaExceeded');
    // Tokens that are not class names are not kept: all capitals (an access key's shape), lower case.
    expect(errorFingerprint(Object.assign(Object.create(null) as object, { name: 'AKIAIOSFODNN7EXAMPLE' }))).toBe(
      '_OTHER',
    );
    expect(errorFingerprint(Object.assign(Object.create(null) as object, { name: 'failure' }))).toBe('_OTHER');
    expect(errorFingerprint(undefined)).toBe('_OTHER');
    const hostile = Object.defineProperty({}, 'name', {
      get: () => {
        throw new Error('getter');
      },
    });
    expect(errorFingerprint(hostile)).toBe('_OTHER');
  });

  it('accepts built-in and host-defined kinds, nothing else', () => {
    for (const kind of ['instance_reload', 'instance_dispose_all', 'idle_eviction', 'a', 'a'.repeat(40)])
      expect(isLifecycleKind(kind)).toBe(true);
    for (const kind of ['', 'A', '1x', 'x'.repeat(41), 'has space', 'kebab-case', 42, undefined])
      expect(isLifecycleKind(kind)).toBe(false);
  });

  it('keys a scope by the first 16 hex of its SHA-256', () => {
    expect(scopeKeyOf('/srv/x')).toBe(`dir:${h16('/srv/x')}`);
  });
});
