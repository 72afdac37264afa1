import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCommand } from '../src/sdk/lines.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
let work: string;
let consumer: string;
let files: string[];
let installLog: string;

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'osl-pack-'));
  const packed = JSON.parse(
    run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT),
  ) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  files = packed[0]!.files.map((f) => f.path);
  consumer = join(work, 'consumer');
  run('mkdir', ['-p', consumer], work);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // As a user installs it: scripts on, npm's own output kept to look for warnings.
  const install = spawnSync(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(work, packed[0]!.filename),
      '@opentelemetry/api@~1.9.0',
    ],
    {
      cwd: consumer,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  installLog = `${install.stdout}\n${install.stderr}`;
  if (install.status !== 0) throw new Error(`npm install failed: ${installLog}`);
}, 180_000);

const TSCONFIG = {
  strict: true,
  exactOptionalPropertyTypes: true,
  target: 'ES2022',
  noEmit: true,
  skipLibCheck: false,
  types: [] as string[],
};

/** Type-checks `file` in the consumer with these module settings; returns tsc's output ('' when clean). */
function typecheck(files: string[], module: string, moduleResolution: string): string {
  const config = `tsconfig.${files[0]}.${moduleResolution}.json`;
  writeFileSync(
    join(consumer, config),
    JSON.stringify({ compilerOptions: { ...TSCONFIG, module, moduleResolution }, files }),
  );
  const result = spawnSync('node', [TSC, '-p', config], { cwd: consumer, encoding: 'utf8', timeout: 120_000 });
  return `${result.stdout}${result.stderr}`.trim();
}

// Optional properties a host fills from its own optional values: undefined must be accepted
// under exactOptionalPropertyTypes.
const OPTIONAL_UNDEFINED = `
const maybe = (s: string): string | undefined => (s.length > 100 ? s : undefined);
class Store { reload(dir: string): void { void dir; } }
const lifecycle = new SessionLifecycleInstrumentation({ maxClosedRunSpansPerAction: undefined, maxScopeKeysPerAction: undefined, recentCloses: undefined, interruptGraceMs: undefined, maxRunAgeMs: undefined, actionHook: undefined, runCloseHook: undefined });
const options: TrackRunOptions = { runId: 'r', scope: '/tmp', sessionId: maybe('x'), signal: undefined, span: undefined, endSpan: undefined };
const run: RunHandle = lifecycle.trackRun(options);
run.end({ outcome: undefined, error: undefined });
run.interrupted({ userCancel: undefined });
lifecycle.action('instance_reload', { scopes: undefined }, () => 1);
lifecycle.instrumentStore(new Store(), { reload: 'instance_reload' }, { scopeOf: undefined });
const telemetryOptions: TelemetryOptions = { handleExit: undefined, defaultLogLevel: undefined };
const rendered: string = renderCloseTable([], { color: undefined, width: undefined });
void telemetryOptions; void rendered;
`;

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm tarball', () => {
  it('ships the built package, its sources, README and LICENSE, not the tests', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.d.ts',
        'dist/sdk/setup.js',
        'dist/sdk/register.js',
        'dist/view/cli.js',
        'dist/view/index.js',
        'dist/view/index.d.ts',
        'README.md',
        'LICENSE',
        'package.json',
      ]),
    );
    // The TypeScript sources ship too, for the source maps; tests and examples do not.
    expect(files).toContain('src/index.ts');
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('examples/') || f.startsWith('bench/'))).toEqual(
      [],
    );
  });

  it('installs into a fresh project and imports as ESM', () => {
    writeFileSync(
      join(consumer, 'esm.mjs'),
      `import { SessionLifecycleInstrumentation, LifecycleSampler } from 'otel-session-lifecycle';
const l = new SessionLifecycleInstrumentation();
console.log(typeof LifecycleSampler, l.action('instance_reload', () => 'ran'), l.scopeKey('/x'));`,
    );
    expect(run('node', ['esm.mjs'], consumer).trim()).toMatch(/^function ran dir:[0-9a-f]{16}$/);
  });

  it('installs the view command as a bin that runs', () => {
    const out = run(
      join(consumer, 'node_modules', '.bin', 'otel-session-lifecycle'),
      ['view', join(ROOT, 'test', 'fixtures', 'otlp-fanout.json'), '--no-color'],
      consumer,
    );
    expect(out.split('\n')[0]).toMatch(/^lifecycle instance_dispose_all {2}instance_dispose_all-/);
    expect(out).toMatch(/local_instance_dispose\.lifecycle_close\s+12\n/);
  });

  it('serves the offline view from otel-session-lifecycle/view, not from the main entry', () => {
    writeFileSync(
      join(consumer, 'view.mjs'),
      `import * as main from 'otel-session-lifecycle';
import { renderCloseTable, renderLifecycleHtml, spansFromOtlpJson } from 'otel-session-lifecycle/view';
import { readFileSync } from 'node:fs';
const spans = spansFromOtlpJson(readFileSync(process.argv[2], 'utf8'));
console.log(renderCloseTable(spans).split('\\n')[1]);
console.log(renderLifecycleHtml(spans).startsWith('<!doctype html>'), 'renderCloseTable' in main);`,
    );
    const out = run('node', ['view.mjs', join(ROOT, 'test', 'fixtures', 'otlp-fanout.json')], consumer).trim();
    expect(out.split('\n')).toEqual([expect.stringMatching(/^local_instance_dispose\s+\S+\s+12$/), 'true false']);
  });

  it('loads with require() (require of an ES module, Node >= 20.19)', () => {
    writeFileSync(
      join(consumer, 'cjs.cjs'),
      `const { SessionLifecycleInstrumentation } = require('otel-session-lifecycle');
console.log(new SessionLifecycleInstrumentation().action('instance_dispose', () => 'required'));`,
    );
    expect(run('node', ['cjs.cjs'], consumer).trim()).toBe('required');
  });

  it('type-checks in a consumer project with tsc --noEmit', () => {
    writeFileSync(
      join(consumer, 'consumer.ts'),
      `import { SessionLifecycleInstrumentation, type RunHandle, type CloseClassification } from 'otel-session-lifecycle';
import { startTelemetry, type TelemetryHandle } from 'otel-session-lifecycle/setup';
class Store { reload(dir: string): Promise<void> { return Promise.resolve(); } disposeAll(): void {} }
const lifecycle = new SessionLifecycleInstrumentation({ maxClosedRunSpansPerAction: 500 });
const store: Store = lifecycle.instrumentStore(new Store(), { reload: 'instance_reload', disposeAll: 'instance_dispose_all' });
const run: RunHandle = lifecycle.trackRun({ runId: 'r', scope: '/tmp', signal: new AbortController().signal });
const c: CloseClassification | undefined = run.classification;
const n: number = lifecycle.action('instance_reload', () => 1);
const t: Promise<TelemetryHandle> | undefined = Math.random() > 2 ? startTelemetry() : undefined;
void store; void c; void n; void t;
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    expect(() => run('node', [TSC, '-p', 'tsconfig.json'], consumer)).not.toThrow();
    // A type error is reported, so the check above is a real one.
    writeFileSync(
      join(consumer, 'bad.ts'),
      `import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';\nnew SessionLifecycleInstrumentation().trackRun({ runId: 1 });\n`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.bad.json'),
      JSON.stringify({ extends: './tsconfig.json', files: ['bad.ts'] }),
    );
    expect(() => run('node', [TSC, '-p', 'tsconfig.bad.json'], consumer)).toThrow();
    expect(readdirSync(join(consumer, 'node_modules', 'otel-session-lifecycle', 'dist'))).toContain('index.d.ts');
  });

  it('installs with no npm warnings and runs no install scripts of its own', () => {
    expect(installLog).not.toMatch(/npm warn/i);
    const pkg = JSON.parse(
      readFileSync(join(consumer, 'node_modules', 'otel-session-lifecycle', 'package.json'), 'utf8'),
    ) as { scripts?: Record<string, string> };
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts?.[hook]).toBeUndefined();
    expect(pkg.scripts?.prepack).toBe('npm run build');
  });

  it('ships the Apache-2.0 license text', () => {
    expect(files).toContain('LICENSE');
    const text = readFileSync(join(consumer, 'node_modules', 'otel-session-lifecycle', 'LICENSE'), 'utf8');
    expect(text).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(text).toContain('END OF TERMS AND CONDITIONS');
  });

  it('ships source maps whose sources are in the package', () => {
    const installed = join(consumer, 'node_modules', 'otel-session-lifecycle');
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(10);
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(installed, map), 'utf8')) as { sources: string[] };
      expect(sources.length, map).toBeGreaterThan(0);
      for (const source of sources)
        expect(existsSync(join(installed, dirname(map), source)), `${map} -> ${source}`).toBe(true);
    }
  });

  it('types: node16, nodenext and bundler resolution, a CommonJS consumer, exactOptionalPropertyTypes', () => {
    const imports = `import { SessionLifecycleInstrumentation, type RunHandle, type TrackRunOptions } from 'otel-session-lifecycle';
import { renderCloseTable } from 'otel-session-lifecycle/view';
import { startTelemetry, type TelemetryOptions, type TelemetryHandle } from 'otel-session-lifecycle/setup';`;
    const useSetup = `const t: Promise<TelemetryHandle> | undefined = Math.random() > 2 ? startTelemetry(telemetryOptions) : undefined;\nvoid t;\n`;
    writeFileSync(join(consumer, 'options.ts'), `${imports}\n${OPTIONAL_UNDEFINED}${useSetup}`);
    // CommonJS: a static import (compiled to require) under nodenext; import() under node16,
    // which has no require of ES modules.
    writeFileSync(join(consumer, 'required.cts'), `${imports}\n${OPTIONAL_UNDEFINED}${useSetup}`);
    writeFileSync(
      join(consumer, 'dynamic.cts'),
      `async function main(): Promise<void> {
  const { SessionLifecycleInstrumentation } = await import('otel-session-lifecycle');
  const { startTelemetry } = await import('otel-session-lifecycle/setup');
  const { renderCloseTable } = await import('otel-session-lifecycle/view');
  const table: string = renderCloseTable([]);
  void table;
  const n: number = new SessionLifecycleInstrumentation({ maxRunAgeMs: undefined }).action('instance_reload', () => 1);
  void n; void startTelemetry;
}
void main;
`,
    );
    expect(typecheck(['options.ts', 'dynamic.cts'], 'node16', 'node16')).toBe('');
    expect(typecheck(['options.ts', 'required.cts'], 'nodenext', 'nodenext')).toBe('');
    expect(typecheck(['options.ts'], 'esnext', 'bundler')).toBe('');
    // The check is a real one: a wrong type is reported, and so is a static import from
    // CommonJS under node16.
    writeFileSync(
      join(consumer, 'wrong.ts'),
      `import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';\nnew SessionLifecycleInstrumentation({ enabled: 'yes' });\n`,
    );
    const wrong = typecheck(['wrong.ts', 'required.cts'], 'node16', 'node16');
    expect(wrong).toMatch(/wrong\.ts\(2,[0-9]+\): error TS2322/);
    expect(wrong).toMatch(/required\.cts\(1,[0-9]+\): error TS1479/);
  }, 120_000);

  it('register without the SDK packages: fails at start with the install command of the line (SDK 2 here)', () => {
    writeFileSync(join(consumer, 'app.mjs'), `console.log('app ran');\n`);
    const result = spawnSync('node', ['--import', 'otel-session-lifecycle/register', 'app.mjs'], {
      cwd: consumer,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).not.toContain('app ran');
    expect(result.stderr).toContain('otel-session-lifecycle/setup needs @opentelemetry/');
    expect(result.stderr).toContain(installCommand(2));
  });
});

describe('the otel-session-lifecycle/effect entry in the tarball', () => {
  it('ships, and leaves the main entry loadable when effect (an optional peer) is not installed', () => {
    expect(files).toEqual(expect.arrayContaining(['dist/effect/index.js', 'dist/effect/index.d.ts']));
    writeFileSync(
      join(consumer, 'no-effect.mjs'),
      `const main = await import('otel-session-lifecycle');
console.log(typeof main.SessionLifecycleInstrumentation);
await import('otel-session-lifecycle/effect').then(() => console.log('loaded'), (e) => console.log(e.code, /'effect'/.test(e.message)));`,
    );
    expect(run('node', ['no-effect.mjs'], consumer).trim().split('\n')).toEqual([
      'function',
      'ERR_MODULE_NOT_FOUND true',
    ]);
  });

  it('with effect installed, runs and type-checks in a consumer project', () => {
    const version = JSON.parse(
      run('node', ['-p', "JSON.stringify(require('effect/package.json').version)"], ROOT),
    ) as string;
    run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `effect@${version}`],
      consumer,
    );
    writeFileSync(
      join(consumer, 'with-effect.ts'),
      `import { Effect } from 'effect';
import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';
import { currentLifecycleActionId, withLifecycleAction } from 'otel-session-lifecycle/effect';
const lifecycle = new SessionLifecycleInstrumentation({ kinds: ['idle_eviction'] });
const id: string | undefined = await Effect.runPromise(currentLifecycleActionId.pipe(withLifecycleAction(lifecycle, 'idle_eviction')));
console.log(id?.startsWith('idle_eviction-'));
`,
    );
    // One tsc run both type-checks (it fails on a type error) and emits what node then runs.
    const tsconfig = {
      extends: './tsconfig.json',
      compilerOptions: { skipLibCheck: true, lib: ['ES2022', 'DOM'], noEmit: false, outDir: 'out' },
    };
    writeFileSync(join(consumer, 'tsconfig.effect.json'), JSON.stringify({ ...tsconfig, files: ['with-effect.ts'] }));
    expect(() => run('node', [TSC, '-p', 'tsconfig.effect.json'], consumer)).not.toThrow();
    expect(run('node', [join('out', 'with-effect.js')], consumer).trim()).toBe('true');
  }, 180_000);
});
