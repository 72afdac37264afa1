// The HTML view's page script is a typed module (src/view/page/script.ts, type-checked with the DOM
// library by tsconfig.page.json) inlined into every page at build. The inlined copy
// (src/view/html-script.ts) is the bundle of the module as it is now: after editing the page
// script, `npm run build:page` (or `npm run build`) regenerates it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OUTPUT, pageScriptModule } from '../tools/page-script.js';
import { CLIENT_SCRIPT } from '../src/view/html-script.js';

describe('the page script', () => {
  it('is inlined as the bundle of the typed module as it is now (else: npm run build:page)', async () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(await pageScriptModule());
  });

  it('reads run rows by the names of the row layout, never by a bare index', () => {
    const source = readFileSync(new URL('../src/view/page/script.ts', import.meta.url), 'utf8');
    expect(source).toContain('ROW.via');
    expect(source).not.toMatch(/\[\d+\]/);
    expect(CLIENT_SCRIPT).toContain('ROW = {');
  });
});
