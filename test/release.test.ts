// The release shape: the version the package says is the one the CHANGELOG describes, and what
// `npm publish` would upload is the built package, not the repository's tests or caches.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_VERSION } from '../src/version.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
  version: string;
  files: string[];
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
};

describe('the version', () => {
  it('is the CHANGELOG’s first release heading, in package.json and in the code', () => {
    const heading = /^## (\d+\.\d+\.\d+)\b/m.exec(readFileSync(`${ROOT}CHANGELOG.md`, 'utf8'));
    expect(heading?.[1]).toBe(pkg.version);
    expect(PACKAGE_VERSION).toBe(pkg.version);
  });
});

describe('npm publish --dry-run', () => {
  let files: string[] = [];
  let warnings: string[] = [];

  beforeAll(() => {
    // `npm test` builds first; the file list is that of the built package.
    if (!existsSync(`${ROOT}dist/index.js`)) throw new Error('dist/ is missing: run `npm run build` first');
    const publish = spawnSync('npm', ['publish', '--dry-run', '--json', '--ignore-scripts', '--tag', 'next'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    if (publish.status !== 0) throw new Error(`npm publish --dry-run failed: ${publish.stderr}`);
    const report = JSON.parse(publish.stdout) as Record<string, { files: Array<{ path: string }> }>;
    files = Object.values(report)[0]!.files.map((f) => f.path);
    // npm notes the missing login in a dry run; anything else it warns about is a packaging problem.
    warnings = publish.stderr
      .split('\n')
      .filter((line) => /^npm warn/i.test(line) && !/requires you to be logged in/.test(line));
  }, 150_000);

  it('prints no warnings (no field npm would correct, no missing bin)', () => {
    expect(warnings).toEqual([]);
  });

  it('uploads only dist/, src/, the README, the LICENSE and package.json', () => {
    const outside = files.filter(
      (f) => !f.startsWith('dist/') && !f.startsWith('src/') && !['README.md', 'LICENSE', 'package.json'].includes(f),
    );
    expect(outside).toEqual([]);
    expect(pkg.files).toEqual(['dist', 'src', 'README.md', 'LICENSE']);
  });

  it('uploads no tests, fixtures, benchmarks, examples or build caches', () => {
    const unwanted = /(^|\/)(test|tests|__tests__|fixtures|bench|examples|coverage|node_modules|\.cache)\//;
    expect(files.filter((f) => unwanted.test(f))).toEqual([]);
    expect(files.filter((f) => /\.(test|spec)\.[cm]?[jt]s$|\.tsbuildinfo$|\.tgz$|\.log$/.test(f))).toEqual([]);
  });

  it('uploads every file package.json points at: each entry’s code and types, and the bin', () => {
    const targets = new Set<string>(Object.values(pkg.bin));
    for (const entry of Object.values(pkg.exports)) {
      for (const target of typeof entry === 'string' ? [entry] : Object.values(entry)) targets.add(target);
    }
    const missing = [...targets].map((t) => t.replace(/^\.\//, '')).filter((t) => !files.includes(t));
    expect(missing).toEqual([]);
  });
});
