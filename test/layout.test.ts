// The layout holds: one concept per module (none over 300 lines, lines at most 120 columns), and
// imports only go downward: view/ and sdk/ never import core/, the core never imports the façade,
// and no core part imports the wiring that owns it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
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

/** Every import circle among the sources, type-only imports included: each as its files in order. */
function importCircles(graph: Map<string, string[]>): string[][] {
  const circles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') circles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return circles;
}

const importGraph = new Map(
  files.map(({ path, text }) => [
    path,
    importsOf(text).map((spec) => normalize(join(dirname(path), spec)).replace(/\.js$/, '.ts')),
  ]),
);

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
        // sdk/register.ts is an entry point: it wires the set-up and an instrumentation that hears
        // the diagnostics channels, as index.ts wires the façade.
        if (path.startsWith('view/') || (path.startsWith('sdk/') && path !== 'sdk/register.ts'))
          expect(spec, path).not.toMatch(/core\/|instrumentation/);
        if (path === 'sdk/register.ts') expect(spec, path).not.toMatch(/core\//);
        if (path.startsWith('core/')) {
          expect(spec, path).not.toMatch(/^\.\.\/(instrumentation|config|store-patcher|index)\.js$/);
          if (path !== 'core/tracker.ts') expect(spec, path).not.toBe('./tracker.js');
        }
        if (path.startsWith('effect/')) expect(spec, path).not.toMatch(/core\//);
      }
    }
  });

  it('has no import circle, type-only imports included', () => {
    expect(importCircles(importGraph).map((circle) => circle.join(' -> '))).toEqual([]);
  });

  it('finds a circle where there is one (the check itself can fail)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(importCircles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });
});
