// The alert rules against a real Prometheus: promtool's unit tests, and Prometheus scraping the
// example session host's OpenTelemetry Prometheus exporter while closes happen over HTTP.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, httpJson, ROOT, startService, type Service } from './utils/processes.js';
import { freePort } from '../support/net.js';

const RULES = join(ROOT, 'alerts', 'session-lifecycle.rules.yml');

function tool(name: string): string {
  try {
    return execFileSync('which', [name], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed: run 'sudo bash tools/provision.sh' (npm test runs it first)`);
  }
}

describe('alert rules under promtool', () => {
  it('pass their unit tests: fire when they should, quiet below the threshold and on low traffic', () => {
    const tests = ['session-lifecycle.test.yml', 'session-lifecycle.spanmetrics.test.yml'];
    const out = execFileSync(tool('promtool'), ['test', 'rules', ...tests], {
      cwd: join(ROOT, 'alerts'),
      encoding: 'utf8',
    });
    expect(out.match(/SUCCESS/g)).toHaveLength(2);
    expect(execFileSync(tool('promtool'), ['check', 'rules', RULES], { encoding: 'utf8' })).toContain(
      'SUCCESS: 5 rules found',
    );
    const spanRules = join(ROOT, 'alerts', 'session-lifecycle.spanmetrics.rules.yml');
    expect(execFileSync(tool('promtool'), ['check', 'rules', spanRules], { encoding: 'utf8' })).toContain(
      'SUCCESS: 1 rules found',
    );
  });
});

interface PromResult<T> {
  status: string;
  data: T;
}

describe('end to end with a real Prometheus', () => {
  let host: Service;
  let prometheus: Service;
  let work: string;
  let hostUrl: string;
  let promUrl: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'osl-prom-'));
    const metricsPort = await freePort();
    host = startService(
      process.execPath,
      ['--import', 'tsx', '--import', 'otel-session-lifecycle/register', 'examples/session-host/main.ts'],
      {
        OTEL_SERVICE_NAME: 'prom-e2e-host',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      },
    );
    hostUrl = (JSON.parse(await host.waitForLine((l) => l.startsWith('{"url"'), 30_000)) as { url: string }).url;

    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    writeFileSync(
      join(work, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${RULES}`,
        'scrape_configs:',
        '  - job_name: session-host',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${metricsPort}']`,
      ].join('\n'),
    );
    prometheus = startService(
      tool('prometheus'),
      [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(work, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      {},
    );
    await eventually(
      async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined),
      30_000,
      'Prometheus ready',
    );
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await host?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function query<T>(promql: string): Promise<T> {
    const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as PromResult<{ result: T }>;
    if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  it('scrapes the close counters with their labels, and the unknown-close alert goes pending', async () => {
    await eventually(
      async () => ((await query<unknown[]>('up{job="session-host"} == 1')).length === 1 ? true : undefined),
      30_000,
      'the host scraped',
    );
    // Drive traffic until the alert reaches pending or firing: each round 3 runs in a project,
    // a reload closes two of them (a lifecycle action), a crash closes the third (no action).
    let rounds = 0;
    let stop = false;
    const driver = (async () => {
      while (!stop) {
        rounds++;
        const { directory } = (await httpJson('POST', `${hostUrl}/projects`, { name: `p${rounds}` })).json as {
          directory: string;
        };
        await httpJson('POST', `${hostUrl}/runs`, { directory });
        await httpJson('POST', `${hostUrl}/runs`, { directory });
        await httpJson('POST', `${hostUrl}/reload`, { directory });
        await httpJson('POST', `${hostUrl}/runs`, { directory });
        await httpJson('POST', `${hostUrl}/crash`, { directory });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      const alert = await eventually(
        async () => {
          const response = (await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as PromResult<{
            alerts: Array<{ labels: Record<string, string>; state: string }>;
          }>;
          return response.data.alerts.find((a) => a.labels.alertname === 'SessionHostUnknownScopeCloseRatioHigh');
        },
        45_000,
        'the unknown_scope_close ratio alert',
      );
      expect(['pending', 'firing']).toContain(alert.state);
      expect(alert.labels).toMatchObject({ job: 'session-host', severity: 'page' });
    } finally {
      stop = true;
      await driver;
    }
    expect(rounds).toBeGreaterThan(1);

    const series = await query<Array<{ metric: Record<string, string>; value: [number, string] }>>(
      'session_host_run_closes_total',
    );
    const labelled = series.map((s) => ({
      classification: s.metric.session_host_close_classification,
      kind: s.metric.session_host_lifecycle_kind,
      job: s.metric.job,
    }));
    expect(labelled).toEqual(
      expect.arrayContaining([
        { classification: 'local_instance_reload', kind: 'instance_reload', job: 'session-host' },
        { classification: 'unknown_scope_close', kind: undefined, job: 'session-host' },
      ]),
    );
    // The alert's own expression, as written in the rule file, evaluates to the share of
    // unexplained closes: one in three.
    const rules = parse(readFileSync(RULES, 'utf8')) as {
      groups: Array<{ rules: Array<{ alert?: string; expr: string }> }>;
    };
    const expr = rules.groups
      .flatMap((g) => g.rules)
      .find((r) => r.alert === 'SessionHostUnknownScopeCloseRatioHigh')!.expr;
    const ratio = await query<Array<{ value: [number, string] }>>(expr);
    expect(ratio).toHaveLength(1);
    expect(Number(ratio[0]!.value[1])).toBeGreaterThan(0.2);
    expect(Number(ratio[0]!.value[1])).toBeLessThan(0.5);
    // The recording rules are another group, evaluated on their own schedule.
    const recorded = await eventually(
      async () => (await query<Array<{ value: [number, string] }>>('session_host:run_closes_unknown:ratio_rate10m'))[0],
      15_000,
      'the recorded ratio',
    );
    // One close in three is unexplained; over seconds of data, rate() extrapolates each series
    // from its own first sample, so the share reads between 0.2 and 0.5, as for the alert above.
    expect(Number(recorded.value[1])).toBeGreaterThan(0.2);
    expect(Number(recorded.value[1])).toBeLessThan(0.5);
  }, 120_000);

  it('leaves exiting to a host that handles SIGTERM itself: it cleans up and exits 0', async () => {
    expect(await host.stop()).toEqual({ code: 0, signal: null });
  });
});
