// The Grafana dashboard and the alert rules are evidence, not decoration: the example host sends its
// metrics and spans over OTLP to the collector on the repository's otel-collector.yaml, a real
// Prometheus scrapes it with examples/stack/prometheus.yml (targets and rule paths moved to this
// machine, scrape and evaluation every second), and every panel's query and every rule's expression
// runs against it and returns data.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, httpJson, ROOT, type Service } from '../utils/processes.js';
import {
  startCollector,
  startExampleHost,
  startJaeger,
  startPrometheusWith,
  type Collector,
  type Jaeger,
  type Prometheus,
} from './stack.js';

const SERVICE = 'dashboard-e2e-host';
const STACK = join(ROOT, 'examples', 'stack');
const RULE_FILES = ['session-lifecycle.rules.yml', 'session-lifecycle.spanmetrics.rules.yml'].map((f) =>
  join(ROOT, 'alerts', f),
);

interface Panel {
  title: string;
  datasource?: { type?: string };
  targets?: Array<{ expr?: string }>;
}
interface Rule {
  record?: string;
  alert?: string;
  expr: string;
}

const dashboard = JSON.parse(readFileSync(join(STACK, 'grafana', 'dashboards', 'session-lifecycle.json'), 'utf8')) as {
  panels: Panel[];
};
const panelQueries = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ title: panel.title, expr: target.expr ?? '' })),
);
const rules = RULE_FILES.flatMap((file) =>
  (parse(readFileSync(file, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) =>
    g.rules.map((rule) => ({ name: `${basename(file)}: ${rule.record ?? rule.alert}`, expr: rule.expr })),
  ),
);

/** examples/stack/prometheus.yml, with this machine's collector and rule files, every second. */
function stackConfig(collector: Collector): string {
  const config = parse(readFileSync(join(STACK, 'prometheus.yml'), 'utf8')) as {
    global: Record<string, string>;
    rule_files: string[];
    scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
  };
  config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
  config.rule_files = config.rule_files.map((f) => RULE_FILES.find((local) => basename(local) === basename(f))!);
  for (const scrape of config.scrape_configs) {
    for (const group of scrape.static_configs) group.targets = [collector.metrics];
  }
  return stringify(config);
}

let work: string;
let jaeger: Jaeger;
let collector: Collector;
let prometheus: Prometheus;
let host: Service;
let hostUrl: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'osl-dashboard-'));
  jaeger = await startJaeger();
  collector = await startCollector(work, 'collector', {
    'otlp_grpc/jaeger': `{ endpoint: "${jaeger.otlp}" }`,
    'otlp_grpc/tempo': `{ endpoint: "${jaeger.tempoOtlp}" }`,
  });
  prometheus = await startPrometheusWith(work, stackConfig(collector));
  // As examples/stack/compose.yaml tells a host to run: metrics over OTLP to the collector.
  ({ service: host, url: hostUrl } = await startExampleHost(collector.otlpHttp, SERVICE, {
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
  }));
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await collector?.service.stop();
  await prometheus?.service.stop();
  await jaeger?.service.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Answer {
  status: string;
  error?: string;
  warnings?: string[];
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

async function instant(expr: string): Promise<Answer> {
  const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await response.json()) as Answer;
}

/** Waits until `expr` answers without error or warning and with at least one finite sample. */
async function hasData(what: string, expr: string): Promise<Answer> {
  return eventually(
    async () => {
      const answer = await instant(expr);
      if (answer.status !== 'success') throw new Error(`${what}: ${answer.error ?? JSON.stringify(answer)}`);
      if (answer.warnings?.length) throw new Error(`${what}: ${answer.warnings.join('; ')}`);
      const finite = (answer.data?.result ?? []).some((sample) => Number.isFinite(Number(sample.value[1])));
      return finite ? answer : undefined;
    },
    60_000,
    `${what} returns data`,
  );
}

describe('the Grafana dashboard and the alert rules, against a real Prometheus fed by the example host', () => {
  it('reads every panel and rule from the shipped files', () => {
    expect(dashboard.panels.every((p) => p.datasource?.type === 'prometheus')).toBe(true);
    expect(panelQueries.length).toBe(dashboard.panels.length);
    expect(panelQueries.every((q) => q.expr !== '')).toBe(true);
    // A recorded series a panel reads is one the rule files record.
    const recorded = new Set(rules.map((r) => r.name.split(': ')[1]));
    for (const { expr } of panelQueries) {
      for (const name of expr.match(/session_host:[a-z0-9_:]+/g) ?? []) expect(recorded, name).toContain(name);
    }
  });

  it('every panel query and every rule expression returns data while the host closes runs', async () => {
    // Each round: two runs a reload closes, one a crash closes (no action explains it: an
    // unknown_scope_close), and a dispose-all over what is left; then the next round.
    let rounds = 0;
    let stop = false;
    const post = (path: string, body: Record<string, unknown> = {}) => httpJson('POST', `${hostUrl}${path}`, body);
    const driver = (async () => {
      while (!stop) {
        rounds++;
        const { directory } = (await post('/projects', { name: `d${rounds}` })).json as { directory: string };
        await post('/runs', { directory });
        await post('/runs', { directory });
        await post('/reload', { directory });
        await post('/runs', { directory });
        await post('/crash', { directory });
        await post('/runs', { directory, ms: 600_000 });
        await post('/dispose-all');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const failures: string[] = [];
    try {
      for (const { title, expr } of panelQueries) {
        await hasData(`panel "${title}"`, expr).catch((error: unknown) => failures.push(String(error)));
      }
      for (const { name, expr } of rules) {
        await hasData(`rule ${name}`, expr).catch((error: unknown) => failures.push(String(error)));
      }
    } finally {
      stop = true;
      await driver;
    }
    expect(failures).toEqual([]);
    expect(rounds).toBeGreaterThan(1);
  }, 600_000);
});
