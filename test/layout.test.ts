// The layout holds: one concept per module (none over 300 lines, lines at most 120 columns), and
// imports only go downward: view/ and sdk/ never import core/, the core never imports the façade,
// and no core part imports the wiring that owns it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './utils/processes.js';

const SRC = join(ROOT, 'src');
function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}
const files = sources().map((path) => ({ path: relative(SRC, path), text: readFileSync(path, 'utf8') }));
const importsOf = (text: string): string[] => [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => m[1]!);

describe('the source layout', () => {
  it('has no module over 300 lines and no line over 120 columns', () => {
    for (const { path, text } of files) {
      const lines = text.split('\n');
      expect(lines.length, path).toBeLessThanOrEqual(300);
      for (const [i, line] of lines.entries()) expect(line.length, `${path}:${i + 1}`).toBeLessThanOrEqual(120);
    }
  });

  it('imports only downward', () => {
    for (const { path, text } of files) {
      for (const spec of importsOf(text)) {
        if (path.startsWith('view/') || path.startsWith('sdk/'))
          expect(spec, path).not.toMatch(/core\/|instrumentation/);
        if (path.startsWith('core/')) {
          expect(spec, path).not.toMatch(/^\.\.\/(instrumentation|config|store-patcher|index)\.js$/);
          if (path !== 'core/tracker.ts') expect(spec, path).not.toBe('./tracker.js');
        }
        if (path.startsWith('effect/')) expect(spec, path).not.toMatch(/core\//);
      }
    }
  });
});
