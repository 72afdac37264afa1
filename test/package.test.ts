import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import * as semconv from '../src/semconv.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  dependencies?: Record<string, string>;
  scripts: Record<string, string>;
};

describe('package', () => {
  it('reports the name and version of package.json on its tracer and meter', () => {
    expect(api.PACKAGE_NAME).toBe(pkg.name);
    expect(api.PACKAGE_VERSION).toBe(pkg.version);
    const lifecycle = new api.SessionLifecycleInstrumentation();
    expect(lifecycle.instrumentationName).toBe(pkg.name);
    expect(lifecycle.instrumentationVersion).toBe(pkg.version);
  });

  it('takes @opentelemetry/api as a peer, ^1.9.0', () => {
    expect(pkg.peerDependencies['@opentelemetry/api']).toBe('^1.9.0');
    expect(pkg.dependencies?.['@opentelemetry/api']).toBeUndefined();
  });

  it('takes the SDK packages of both lines as optional peers, each range bounded above', () => {
    const sdk = Object.keys(pkg.peerDependencies).filter(
      (n) => n.startsWith('@opentelemetry/') && n !== '@opentelemetry/api',
    );
    expect(sdk).toEqual(
      expect.arrayContaining([
        '@opentelemetry/sdk-trace',
        '@opentelemetry/sdk-trace-base',
        '@opentelemetry/context-async-hooks',
        '@opentelemetry/core',
      ]),
    );
    for (const name of sdk) {
      expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
      // An untested SDK 4 or exporter 0.4xx is not accepted silently.
      expect(pkg.peerDependencies[name], name).toMatch(/^>=(2\.0\.0 <[34]\.0\.0|0\.200\.0 <0\.400\.0)$/);
    }
  });

  it('takes effect 4 as an optional peer, for the effect entry only', () => {
    // From the first 4.0.0 beta with the Context module (earlier betas call it ServiceMap): under
    // npm semver this takes 4.0.0-beta.45 and later prereleases, every 4.x release, and no 5.
    expect(pkg.peerDependencies.effect).toBe('>=4.0.0-beta.45 <5.0.0');
    expect(pkg.peerDependenciesMeta.effect?.optional).toBe(true);
  });

  it('builds when packed, not when installed', () => {
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(pkg.scripts.prepare).toBeUndefined();
  });

  it('exports every telemetry name of semconv.ts by name (a new name needs a line in src/index.ts)', () => {
    const exported: Record<string, unknown> = api;
    for (const [name, value] of Object.entries(semconv)) expect(exported[name], name).toBe(value);
  });

  it('exports the telemetry contract names literally', () => {
    expect([
      api.ATTR_ACTION_ID,
      api.ATTR_LIFECYCLE_KIND,
      api.ATTR_RUNS_INTERRUPTED,
      api.ATTR_RUNS_OMITTED,
      api.ATTR_SCOPE_KEYS,
      api.ATTR_RUN_ID,
      api.ATTR_SESSION_ID,
      api.ATTR_SCOPE_KEY,
      api.ATTR_CLOSE_CLASSIFICATION,
      api.ATTR_CLOSE_SUMMARY_KEY,
      api.ATTR_CLOSE_PROVENANCE,
      api.ATTR_CLOSE_MISSING_PROVENANCE,
      api.METRIC_RUN_CLOSES,
      api.METRIC_LIFECYCLE_ACTIONS,
      api.METRIC_LIFECYCLE_FANOUT,
      api.METRIC_LIFECYCLE_DURATION,
    ]).toEqual([
      'session_host.lifecycle.action.id',
      'session_host.lifecycle.kind',
      'session_host.lifecycle.runs_interrupted',
      'session_host.lifecycle.runs_omitted',
      'session_host.lifecycle.scope_keys',
      'session_host.run.id',
      'session_host.session.id',
      'session_host.scope.key',
      'session_host.close.classification',
      'session_host.close.summary_key',
      'session_host.close.provenance',
      'session_host.close.missing_provenance',
      'session_host.run.closes',
      'session_host.lifecycle.actions',
      'session_host.lifecycle.fanout',
      'session_host.lifecycle.duration',
    ]);
  });
});
