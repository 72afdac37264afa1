#!/usr/bin/env node
// Prints an install command of README.md or docs/install.md: the first `npm install` line after
// the marker `<!-- install:NAME -->`. The test matrix installs its consumers with exactly these lines.
//   node tools/install-line.mjs sdk3-setup
import { readFileSync } from 'node:fs';

const name = process.argv[2];
const text = ['../README.md', '../docs/install.md']
  .map((file) => readFileSync(new URL(file, import.meta.url), 'utf8'))
  .join('\n');
const at = name ? text.indexOf(`<!-- install:${name} -->`) : -1;
const line = at < 0 ? undefined : text.slice(at).split('\n').find((l) => l.startsWith('npm install '));
if (line === undefined) {
  process.stderr.write(`no install line ${name ?? '(none given)'} in README.md or docs/install.md\n`);
  process.exit(2);
}
process.stdout.write(`${line.trim()}\n`);
