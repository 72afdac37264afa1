import { createHash } from 'node:crypto';

/** Raw scopes with user content in them: none of it may reach the wire. */
export const DIR_A = '/home/alice/projects/secret-alpha';
export const DIR_B = '/home/alice/projects/secret-beta';
export const DIR_C = '/srv/tenants/bob@example.com/work';

export function expectedKey(raw: string): string {
  return `dir:${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}
