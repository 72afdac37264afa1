// The set-up entry logs through the package's one component logger (src/log.ts) and guards host-
// facing work with the one guard (src/guard.ts): no module of src/sdk/ writes to the raw diag API,
// except the one that installs the console logger for `register`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './utils/processes.js';

const SDK = join(ROOT, 'src', 'sdk');
const modules = readdirSync(SDK)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ file: f, text: readFileSync(join(SDK, f), 'utf8') }));

describe('src/sdk logging', () => {
  it('never calls the raw diag logger: every line goes through the component logger', () => {
    const raw = modules
      .filter(({ file }) => file !== 'console-diag.ts')
      .filter(({ text }) => /\bdiag\s*\.\s*(error|warn|info|debug|verbose|setLogger)\s*\(/.test(text))
      .map(({ file }) => file);
    expect(raw).toEqual([]);
  });

  it('writes no error name or message into a diag line without bounding it', () => {
    const unbounded = modules
      .filter(({ text }) => /logger\.\w+\([^;]*\.(name|message)\b/.test(text))
      .map(({ file }) => file);
    expect(unbounded).toEqual([]);
  });
});
