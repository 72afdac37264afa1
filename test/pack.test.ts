import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
let work: string;
let consumer: string;
let files: string[];

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'osl-pack-'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  files = packed[0]!.files.map((f) => f.path);
  consumer = join(work, 'consumer');
  run('mkdir', ['-p', consumer], work);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, packed[0]!.filename), '@opentelemetry/api@~1.9.0'],
    consumer,
  );
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm tarball', () => {
  it('ships the built package and its README, not the sources or tests', () => {
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/sdk/setup.js', 'dist/sdk/register.js', 'dist/view/cli.js', 'README.md', 'package.json']));
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('examples/'))).toEqual([]);
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
    const out = run(join(consumer, 'node_modules', '.bin', 'otel-session-lifecycle'), ['view', join(ROOT, 'test', 'fixtures', 'otlp-fanout.json'), '--no-color'], consumer);
    expect(out.split('\n')[0]).toMatch(/^lifecycle instance_dispose_all  instance_dispose_all-/);
    expect(out).toMatch(/local_instance_dispose\.lifecycle_close\s+12\n/);
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
      JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: false, types: [] }, files: ['consumer.ts'] }),
    );
    expect(() => run('node', [TSC, '-p', 'tsconfig.json'], consumer)).not.toThrow();
    // A type error is reported, so the check above is a real one.
    writeFileSync(join(consumer, 'bad.ts'), `import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';\nnew SessionLifecycleInstrumentation().trackRun({ runId: 1 });\n`);
    writeFileSync(join(consumer, 'tsconfig.bad.json'), JSON.stringify({ extends: './tsconfig.json', files: ['bad.ts'] }));
    expect(() => run('node', [TSC, '-p', 'tsconfig.bad.json'], consumer)).toThrow();
    expect(readdirSync(join(consumer, 'node_modules', 'otel-session-lifecycle', 'dist'))).toContain('index.d.ts');
  }, 120_000);
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
    expect(run('node', ['no-effect.mjs'], consumer).trim().split('\n')).toEqual(['function', 'ERR_MODULE_NOT_FOUND true']);
  });

  it('with effect installed, runs and type-checks in a consumer project', () => {
    const version = JSON.parse(run('node', ['-p', "JSON.stringify(require('effect/package.json').version)"], ROOT)) as string;
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `effect@${version}`], consumer);
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
    const tsconfig = { extends: './tsconfig.json', compilerOptions: { skipLibCheck: true, lib: ['ES2022', 'DOM'], noEmit: false, outDir: 'out' } };
    writeFileSync(join(consumer, 'tsconfig.effect.json'), JSON.stringify({ ...tsconfig, files: ['with-effect.ts'] }));
    expect(() => run('node', [TSC, '-p', 'tsconfig.effect.json'], consumer)).not.toThrow();
    expect(run('node', [join('out', 'with-effect.js')], consumer).trim()).toBe('true');
  }, 180_000);
});
