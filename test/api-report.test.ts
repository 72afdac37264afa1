// The public API of every entry point is recorded in api/<entry>.api.md: the declarations each
// built entry (dist/...d.ts, as package.json `exports` names them) exports, without comments or
// private members. This test fails on any difference, so a change to the public API is made on
// purpose: after a deliberate change, run `npm run api:update` (it builds, then rewrites api/)
// and commit the diff. It reads dist/: `npm test` builds first; alone, run `npm run build` first.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_DIR, apiReports, entryPoints } from '../tools/api-report.js';

describe('the public API', () => {
  const reports = apiReports();

  it('has a committed report for each entry point, and none for an entry that is gone', () => {
    expect(entryPoints().map((e) => e.specifier)).toEqual(
      expect.arrayContaining([
        'otel-session-lifecycle',
        'otel-session-lifecycle/view',
        'otel-session-lifecycle/setup',
        'otel-session-lifecycle/register',
        'otel-session-lifecycle/effect',
      ]),
    );
    expect(readdirSync(API_DIR).sort()).toEqual([...reports.keys()].sort());
  });

  it('is what the committed reports say (after a deliberate change: npm run api:update)', () => {
    for (const [file, text] of reports) expect(readFileSync(join(API_DIR, file), 'utf8'), file).toBe(text);
  });

  it('keeps the offline view and the internal helpers out of the main entry', () => {
    const main = reports.get('main.api.md')!;
    for (const name of ['renderLifecycleTree', 'spansFromOtlpJson', 'boundedId', 'errorFingerprint', 'summaryKeyOf'])
      expect(main, name).not.toMatch(new RegExp(`\\b${name}\\b`));
    expect(reports.get('view.api.md')).toMatch(/\bfunction renderLifecycleHtml\(/);
  });
});
