// otel-collector.yaml and examples/stack are configuration users copy: they must be internally
// consistent and speak the package's attribute and metric names.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  ATTR_ACTION_ID,
  ATTR_CLOSE_CLASSIFICATION,
  ATTR_LIFECYCLE_KIND,
  CLOSE_CLASSIFICATIONS,
  METRIC_LIFECYCLE_ACTIONS,
  METRIC_LIFECYCLE_FANOUT,
  METRIC_RUN_CLOSES,
} from '../src/index.js';
import { ROOT } from './utils/processes.js';

type Yaml = Record<string, unknown>;
const load = (path: string): Yaml => parse(readFileSync(join(ROOT, path), 'utf8')) as Yaml;
const collector = load('otel-collector.yaml') as {
  receivers: Record<string, { protocols: Record<string, { endpoint: string }> }>;
  processors: Record<string, Yaml>;
  exporters: Record<string, Yaml>;
  connectors: Record<string, { dimensions: Array<{ name: string }> }>;
  service: { pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> };
};
const { pipelines } = collector.service;

describe('otel-collector.yaml', () => {
  it('references only defined components, in pipelines of the right type', () => {
    for (const [name, pipeline] of Object.entries(pipelines)) {
      const type = name.split('/')[0]!;
      expect(['traces', 'metrics', 'logs']).toContain(type);
      for (const r of pipeline.receivers)
        expect(Object.keys({ ...collector.receivers, ...collector.connectors }), `${name} receiver ${r}`).toContain(r);
      for (const p of pipeline.processors ?? [])
        expect(Object.keys(collector.processors), `${name} processor ${p}`).toContain(p);
      for (const e of pipeline.exporters)
        expect(Object.keys({ ...collector.exporters, ...collector.connectors }), `${name} exporter ${e}`).toContain(e);
    }
    // Every defined component is used; the connector leaves a traces pipeline and enters a metrics one.
    const used = Object.values(pipelines).flatMap((p) => [...p.receivers, ...(p.processors ?? []), ...p.exporters]);
    for (const name of [
      ...Object.keys(collector.receivers),
      ...Object.keys(collector.processors),
      ...Object.keys(collector.exporters),
    ]) {
      expect(used, `${name} is defined but unused`).toContain(name);
    }
    const into = Object.entries(pipelines)
      .filter(([, p]) => p.exporters.includes('span_metrics'))
      .map(([n]) => n.split('/')[0]);
    const outOf = Object.entries(pipelines)
      .filter(([, p]) => p.receivers.includes('span_metrics'))
      .map(([n]) => n.split('/')[0]);
    expect(into).toEqual(['traces']);
    expect(outOf).toEqual(['metrics']);
  });

  it('uses the component names current in 2026, and binds receivers for containers', () => {
    const names = [...Object.keys(collector.exporters), ...Object.keys(collector.connectors)].map(
      (n) => n.split('/')[0],
    );
    for (const deprecated of ['otlp', 'otlphttp', 'spanmetrics']) expect(names).not.toContain(deprecated);
    expect(names).toEqual(expect.arrayContaining(['otlp_grpc', 'span_metrics', 'prometheus']));
    for (const protocol of Object.values(collector.receivers.otlp!.protocols))
      expect(protocol.endpoint).toMatch(/^0\.0\.0\.0:/);
    const jaeger = collector.exporters['otlp_grpc/jaeger'] as { endpoint: string };
    const tempo = collector.exporters['otlp_grpc/tempo'] as { endpoint: string };
    expect([jaeger.endpoint, tempo.endpoint]).toEqual(['jaeger:4317', 'tempo:4317']);
  });

  it('derives span metrics by the attribute names the package emits', () => {
    expect(collector.connectors.span_metrics!.dimensions.map((d) => d.name)).toEqual([
      ATTR_CLOSE_CLASSIFICATION,
      ATTR_LIFECYCLE_KIND,
    ]);
  });

  it('tail-samples every lifecycle trace and every run trace that did not end in success', () => {
    const policies = (
      collector.processors.tail_sampling as {
        policies: Array<{ type: string; string_attribute?: { key: string; values: string[] } }>;
      }
    ).policies;
    const byKey = Object.fromEntries(
      policies.filter((p) => p.string_attribute).map((p) => [p.string_attribute!.key, p.string_attribute!.values]),
    );
    expect(byKey[ATTR_ACTION_ID]).toEqual(['.+']);
    expect(byKey[ATTR_CLOSE_CLASSIFICATION]).toEqual(CLOSE_CLASSIFICATIONS.filter((c) => c !== 'success'));
    expect(pipelines.traces!.processors).toEqual(['tail_sampling', 'filter/no-lifecycle-evidence', 'batch']);
  });

  it('exports lifecycle evidence past the sampler, each span by exactly one traces pipeline', () => {
    // traces/evidence keeps only evidence; traces (after the sampling decision) drops exactly it.
    const evidence = pipelines['traces/evidence']!;
    expect(evidence.receivers).toEqual(pipelines.traces!.receivers);
    expect(evidence.processors).toEqual(['filter/lifecycle-evidence-only', 'batch']);
    expect(evidence.exporters).toEqual(pipelines.traces!.exporters);
    type Filter = { error_mode: string; traces: { span: string[] } };
    const only = collector.processors['filter/lifecycle-evidence-only'] as Filter;
    const none = collector.processors['filter/no-lifecycle-evidence'] as Filter;
    const mentions = (conditions: string[]) =>
      [ATTR_ACTION_ID, ATTR_CLOSE_CLASSIFICATION].map((a) => conditions.join(' ').includes(`attributes["${a}"]`));
    expect(mentions(only.traces.span)).toEqual([true, true]);
    expect(mentions(none.traces.span)).toEqual([true, true]);
    expect([only.error_mode, none.error_mode]).toEqual(['ignore', 'ignore']);
  });
});

const STACK = join(ROOT, 'examples', 'stack');

describe('examples/stack', () => {
  const compose = load('examples/stack/compose.yaml') as { services: Record<string, { volumes?: string[] }> };

  it('pins the collector and Jaeger releases that test/backends runs', () => {
    const images = compose.services as Record<string, { image: string }>;
    const goMod = (dir: string) => readFileSync(join(ROOT, 'test', 'backends', dir, 'go.mod'), 'utf8');
    const contrib = /processor\/tailsamplingprocessor v(\d+\.\d+\.\d+)/.exec(goMod('collector'))![1];
    expect(images.collector!.image).toBe(`otel/opentelemetry-collector-contrib:${contrib}`);
    // Jaeger's Go module tags v1.x name the v2 releases: v1.63.0 is 2.0.0, v1.75.0 is 2.12.0.
    const jaeger = /github\.com\/jaegertracing\/jaeger v1\.(\d+)\.(\d+)/.exec(goMod('jaeger'))!;
    expect(images.jaeger!.image).toBe(`jaegertracing/jaeger:2.${Number(jaeger[1]) - 63}.${jaeger[2]}`);
  });

  it('mounts only files that exist', () => {
    const mounts = Object.values(compose.services).flatMap((s) => s.volumes ?? []);
    expect(mounts.length).toBeGreaterThan(5);
    for (const mount of mounts) expect(existsSync(resolve(STACK, mount.split(':')[0]!)), mount).toBe(true);
  });

  it('loads the rule files into Prometheus, with a config promtool accepts', () => {
    const prom = load('examples/stack/prometheus.yml') as { rule_files: string[] };
    const mounted = compose.services.prometheus!.volumes!.map((v) => v.split(':')[1]);
    for (const file of prom.rule_files) expect(mounted).toContain(file);
    const out = execFileSync('promtool', ['check', 'config', '--syntax-only', join(STACK, 'prometheus.yml')], {
      encoding: 'utf8',
    });
    expect(out).toContain('SUCCESS');
  });

  it('has a dashboard whose queries use the metric names the package and the rules produce', () => {
    const dashboard = JSON.parse(
      readFileSync(join(STACK, 'grafana', 'dashboards', 'session-lifecycle.json'), 'utf8'),
    ) as {
      panels: Array<{ title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }>;
    };
    const datasources = (
      load('examples/stack/grafana/provisioning/datasources/datasources.yaml') as {
        datasources: Array<{ uid: string }>;
      }
    ).datasources.map((d) => d.uid);
    const prom = (name: string, suffix: string) => name.replaceAll('.', '_') + suffix;
    const rules = readFileSync(join(ROOT, 'alerts', 'session-lifecycle.rules.yml'), 'utf8');
    const recorded = [...rules.matchAll(/record: (\S+)/g)].map((m) => m[1]!);
    const known = new Set([
      prom(METRIC_RUN_CLOSES, '_total'),
      prom(METRIC_LIFECYCLE_ACTIONS, '_total'),
      prom(METRIC_LIFECYCLE_FANOUT, '_bucket'),
      'traces_span_metrics_calls_total',
      ...recorded,
    ]);
    const titles = dashboard.panels.map((p) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Run closes by classification',
        'Share of closes with no known cause (alert threshold 5%)',
      ]),
    );
    for (const panel of dashboard.panels) {
      expect(datasources).toContain(panel.datasource.uid);
      for (const target of panel.targets) {
        const bare = target.expr.replace(/\{[^}]*\}/g, '').replace(/\bby \([^)]*\)/g, '');
        const metrics = [...bare.matchAll(/\b(session_host[a-z0-9_:]*|traces_span_metrics_[a-z_]+)\b/g)].map(
          (m) => m[1]!,
        );
        expect(metrics.length, panel.title).toBeGreaterThan(0);
        for (const metric of metrics) expect(known, `${panel.title}: ${metric}`).toContain(metric);
      }
    }
  });
});
