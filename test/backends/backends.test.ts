// End to end with real backends: the example session host exports OTLP to an OpenTelemetry
// Collector running the repository's own otel-collector.yaml (only endpoints moved to loopback
// ports), which exports traces to Jaeger v2 and span metrics to a real Prometheus with the
// span-metrics alert rules loaded. Asserted through Jaeger's and Prometheus' HTTP APIs: what the
// README tells a user to look for.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLifecycleTree, spansFromOtlpJson } from '../../src/view/index.js';
import { eventually, httpJson, ROOT, type Service } from '../utils/processes.js';
import {
  COLLECTOR_CONFIG,
  followsFrom,
  JaegerQuery,
  parentOf,
  startCollector,
  startExampleHost,
  startJaeger,
  startPrometheus,
  tag,
  tailSampler,
  type Collector,
  type Jaeger,
  type JaegerSpan,
  type JaegerTrace,
  type OtlpAttribute,
  type Prometheus,
} from './stack.js';

const SERVICE = 'backends-e2e-host';
const CAP = 5;
const SPAN_RULES = join(ROOT, 'alerts', 'session-lifecycle.spanmetrics.rules.yml');
const ACTION_ID = 'session_host.lifecycle.action.id';
const CLASSIFICATION = 'session_host.close.classification';
const RUN_ID = 'session_host.run.id';
const ALERT = 'SessionHostUnknownScopeCloseRatioHigh';

let work: string;
let jaeger: Jaeger;
let collector: Collector;
let prometheus: Prometheus;
let host: Service;
let hostUrl: string;
let query: JaegerQuery;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'osl-backends-'));
  jaeger = await startJaeger();
  query = new JaegerQuery(jaeger.url);
  collector = await startCollector(work, 'collector', {
    'otlp_grpc/jaeger': `{ endpoint: "${jaeger.otlp}" }`,
    'otlp_grpc/tempo': `{ endpoint: "${jaeger.tempoOtlp}" }`,
  });
  prometheus = await startPrometheus(work, [collector.metrics], [SPAN_RULES]);
  ({ service: host, url: hostUrl } = await startExampleHost(collector.otlpHttp, SERVICE, {
    SESSION_HOST_MAX_CLOSED_RUN_SPANS: String(CAP),
  }));
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await collector?.service.stop();
  await prometheus?.service.stop();
  await jaeger?.service.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const post = async (path: string, body: Record<string, unknown> = {}) => {
  const { status, json } = await httpJson('POST', `${hostUrl}${path}`, body);
  if (status !== 200) throw new Error(`${path}: ${status} ${JSON.stringify(json)}`);
  return json as Record<string, string>;
};
const project = async (name: string) => (await post('/projects', { name })).directory!;
const startRun = async (directory: string, extra: Record<string, unknown> = {}) =>
  (await post('/runs', { directory, ms: 600_000, ...extra })).runId!;

/** Waits until Jaeger has a trace with a `run` span for each run id, and returns those spans. */
async function runSpans(runIds: string[], ms = 30_000): Promise<Map<string, JaegerSpan>> {
  return eventually(
    async () => {
      const found = new Map<string, JaegerSpan>();
      for (const trace of await query.find(SERVICE, { operation: 'run' })) {
        for (const span of trace.spans) {
          const id = tag(span, RUN_ID);
          if (span.operationName === 'run' && typeof id === 'string' && runIds.includes(id)) found.set(id, span);
        }
      }
      return found.size === runIds.length ? found : undefined;
    },
    ms,
    `run spans of ${runIds.join(', ')} in Jaeger`,
  );
}

describe('Jaeger shows a dispose-all the way the README says', () => {
  let action: JaegerSpan;
  let actionTrace: JaegerTrace;
  const runIds: string[] = [];

  it('one action root, its `run closed` children up to the cap, and the count of the omitted', async () => {
    // 8 runs in three projects, some with a session id; a cap of 5 closed-run children.
    const dirs = [await project('alpha'), await project('beta'), await project('gamma')];
    for (const [i, dir] of [dirs[0], dirs[0], dirs[0], dirs[1], dirs[1], dirs[1], dirs[2], dirs[2]].entries()) {
      runIds.push(await startRun(dir!, i % 2 === 0 ? { sessionId: `session-${i}` } : {}));
    }
    await post('/dispose-all');

    const traces = await eventually(
      async () => {
        const found = await query.find(SERVICE, { operation: 'lifecycle instance_dispose_all' });
        return found.length === 1 && found[0]!.spans.length === 1 + CAP ? found : undefined;
      },
      30_000,
      'the dispose-all trace in Jaeger',
    );
    actionTrace = traces[0]!;
    const roots = actionTrace.spans.filter((s) => parentOf(s) === undefined);
    expect(roots.map((s) => s.operationName)).toEqual(['lifecycle instance_dispose_all']);
    action = roots[0]!;
    expect(tag(action, ACTION_ID)).toMatch(/^instance_dispose_all-[a-z0-9]+-[a-z0-9]+$/);
    expect(tag(action, 'session_host.lifecycle.kind')).toBe('instance_dispose_all');
    expect(tag(action, 'session_host.lifecycle.runs_interrupted')).toBe(runIds.length);
    expect(tag(action, 'session_host.lifecycle.runs_omitted')).toBe(runIds.length - CAP);
    expect(actionTrace.processes[action.processID]!.serviceName).toBe(SERVICE);

    const children = actionTrace.spans.filter((s) => s !== action);
    expect(children).toHaveLength(CAP);
    for (const child of children) {
      expect(child.operationName).toBe('run closed');
      expect(parentOf(child)).toMatchObject({ traceID: action.traceID, spanID: action.spanID });
      expect(tag(child, ACTION_ID)).toBe(tag(action, ACTION_ID));
      expect(tag(child, CLASSIFICATION)).toBe('local_instance_dispose');
      expect(tag(child, 'session_host.close.summary_key')).toBe('local_instance_dispose.lifecycle_close');
      expect(tag(child, 'session_host.close.provenance')).toBe('context');
      expect(tag(child, 'session_host.scope.key')).toMatch(/^dir:[0-9a-f]{16}$/);
      expect(runIds).toContain(tag(child, RUN_ID));
      // One FOLLOWS_FROM reference: to the run's own span, in the run's own trace.
      const links = followsFrom(child);
      expect(links).toHaveLength(1);
      expect(links[0]!.traceID).not.toBe(action.traceID);
    }
    // No raw directory reaches the backend.
    expect(JSON.stringify(actionTrace)).not.toContain(tmpdir());
  });

  it('each `run closed` child references its run span, which references the action back', async () => {
    for (const child of actionTrace.spans.filter((s) => s.operationName === 'run closed')) {
      const [link] = followsFrom(child);
      const runTrace = await query.trace(link!.traceID);
      const run = runTrace.spans.find((s) => s.spanID === link!.spanID);
      expect(run, `run span ${link!.spanID}`).toBeDefined();
      expect(run!.operationName).toBe('run');
      expect(tag(run!, RUN_ID)).toBe(tag(child, RUN_ID));
      expect(tag(run!, CLASSIFICATION)).toBe('local_instance_dispose');
      expect(followsFrom(run!)).toEqual([{ refType: 'FOLLOWS_FROM', traceID: action.traceID, spanID: action.spanID }]);
    }
  });

  it('past the cap every run span still carries the action id and its link: a tag search finds all', async () => {
    const byActionId = await eventually(
      async () => {
        const found = await query.find(SERVICE, { tags: { [ACTION_ID]: String(tag(action, ACTION_ID)) } });
        return found.length === 1 + runIds.length ? found : undefined;
      },
      30_000,
      'the action and all its runs by action id',
    );
    const runs = byActionId.flatMap((t) => t.spans).filter((s) => s.operationName === 'run');
    expect(runs.map((s) => tag(s, RUN_ID)).sort()).toEqual([...runIds].sort());
    for (const run of runs) {
      expect(followsFrom(run)).toEqual([{ refType: 'FOLLOWS_FROM', traceID: action.traceID, spanID: action.spanID }]);
    }
    const closed = actionTrace.spans.filter((s) => s.operationName === 'run closed').map((s) => tag(s, RUN_ID));
    expect(runIds.filter((id) => !closed.includes(id))).toHaveLength(runIds.length - CAP);
  });

  it("names each link's relation: Jaeger's v3 API (OTLP JSON) returns the link attributes", async () => {
    const relation = (links: Array<{ attributes?: OtlpAttribute[] }>) =>
      links.map((l) => l.attributes?.find((a) => a.key === 'session_host.link.relation')?.value.stringValue);
    const spans = await query.otlpTrace(action.traceID);
    const children = spans.filter((s) => s.name === 'run closed');
    expect(children).toHaveLength(CAP);
    for (const child of children) expect(relation(child.links ?? [])).toEqual(['closed_run']);
    const [link] = followsFrom(actionTrace.spans.find((s) => s.operationName === 'run closed')!);
    const run = (await query.otlpTrace(link!.traceID)).find((s) => s.name === 'run')!;
    expect(relation(run.links ?? [])).toEqual(['closed_by']);
    // The v1 JSON the UI reads has references without attributes.
    expect(JSON.stringify(actionTrace)).not.toContain('session_host.link.relation');
  });

  it("the package's terminal view reads the trace Jaeger returns as OTLP JSON (API v3)", async () => {
    const { json } = await httpJson('GET', `${jaeger.url}/api/v3/traces/${action.traceID}`);
    const spans = spansFromOtlpJson((json as { result: unknown }).result);
    expect(spans.map((s) => s.spanId).sort()).toEqual(actionTrace.spans.map((s) => s.spanID).sort());
    const tree = renderLifecycleTree(spans, { width: 100 });
    expect(tree).toContain(`lifecycle instance_dispose_all  ${String(tag(action, ACTION_ID))}`);
    expect(tree).toContain(`${runIds.length} runs interrupted, ${runIds.length - CAP} past the cap`);
    expect(tree.match(/^ {2}[├└]─ run-\d+ +local_instance_dispose context /gm)).toHaveLength(CAP);
  });
});

describe('tail sampling keeps every trace that carries lifecycle evidence', () => {
  const LONG = 4;
  const SHORT = 20;
  const long: { reloaded: string[]; crashed: string[] } = { reloaded: [], crashed: [] };
  const short: string[] = [];
  const crashed: string[] = [];

  it('including runs that outlive the decision wait, whose traces were decided before they ended', async () => {
    type Config = { processors: { tail_sampling: { decision_wait: string } } };
    const config = parse(readFileSync(COLLECTOR_CONFIG, 'utf8')) as Config;
    const decisionWait = config.processors.tail_sampling.decision_wait;
    expect(decisionWait).toMatch(/^\d+s$/);
    const sampler = () => tailSampler(collector);
    const before = await sampler();

    // Long runs whose first step (a child span) reaches the collector at once; then 20 short
    // runs that succeed, and two runs that a crash closes (unknown_scope_close).
    const reloadDir = await project('long-reload');
    const crashDir = await project('long-crash');
    for (let i = 0; i < LONG / 2; i++) {
      long.reloaded.push(await startRun(reloadDir, { step: true }));
      long.crashed.push(await startRun(crashDir, { step: true }));
    }
    const shortDir = await project('short');
    for (let i = 0; i < SHORT; i++) short.push((await post('/runs', { directory: shortDir, ms: 20 })).runId!);
    const crashNow = await project('crash');
    crashed.push(await startRun(crashNow), await startRun(crashNow));
    await post('/crash', { directory: crashNow });

    // Every trace started so far has reached the tail sampler and been decided (after the
    // decision wait): the long runs' traces too, from their step spans alone.
    const expected = LONG + SHORT + crashed.length;
    const decided = await eventually(
      async () => {
        const now = await sampler();
        const received = now.received - before.received;
        return received >= expected && now.decided - before.decided >= received ? now : undefined;
      },
      90_000,
      `the tail sampler deciding ${expected} traces (decision_wait ${decisionWait})`,
    );
    expect(decided.received - before.received).toBe(expected);

    // Now the long runs end: a reload closes two (a lifecycle action), a crash the other two.
    await post('/reload', { directory: reloadDir });
    await post('/crash', { directory: crashDir });

    const spans = await runSpans([...long.reloaded, ...long.crashed, ...crashed]);
    for (const id of long.reloaded) expect(tag(spans.get(id)!, CLASSIFICATION)).toBe('local_instance_reload');
    for (const id of [...long.crashed, ...crashed]) {
      const span = spans.get(id)!;
      expect(tag(span, CLASSIFICATION)).toBe('unknown_scope_close');
      expect(tag(span, 'session_host.close.summary_key')).toBe('unknown_scope_close.missing_lifecycle_provenance');
      expect(String(tag(span, 'session_host.close.missing_provenance'))).toContain('lifecycle.close_requested');
    }
    // The reload's trace is kept whole: its action and a closed-run child per long run.
    const reload = await eventually(
      async () => (await query.find(SERVICE, { operation: 'lifecycle instance_reload' }))[0],
      30_000,
      'the reload trace',
    );
    expect(
      reload.spans
        .filter((s) => s.operationName === 'run closed')
        .map((s) => tag(s, RUN_ID))
        .sort(),
    ).toEqual([...long.reloaded].sort());
  }, 150_000);

  it('finds the unexplained closes with one tag search, and keeps no span twice', async () => {
    const traces = await query.find(SERVICE, { tags: { [CLASSIFICATION]: 'unknown_scope_close' } });
    const ids = traces.flatMap((t) => t.spans).filter((s) => tag(s, CLASSIFICATION) === 'unknown_scope_close');
    expect(ids.map((s) => tag(s, RUN_ID)).sort()).toEqual([...long.crashed, ...crashed].sort());
    const all = await query.find(SERVICE);
    for (const trace of all) {
      const spanIds = trace.spans.map((s) => s.spanID);
      expect(new Set(spanIds).size, `duplicate spans in ${trace.traceID}`).toBe(spanIds.length);
    }
  });

  it('samples the rest: successful runs are kept only in part, but span metrics count them all', async () => {
    // All short runs were decided above; what the sampler kept has been exported by now.
    const kept = (await query.find(SERVICE, { tags: { [CLASSIFICATION]: 'success' } }))
      .flatMap((t) => t.spans)
      .filter((s) => s.operationName === 'run' && short.includes(String(tag(s, RUN_ID))));
    expect(kept.length).toBeLessThan(SHORT);
    const counted = await eventually(
      async () => {
        const result = await prometheus.query<Array<{ value: [number, string] }>>(
          `sum(traces_span_metrics_calls_total{service_name="${SERVICE}", span_name="run", ` +
            `session_host_close_classification="success"})`,
        );
        return result.length === 1 && Number(result[0]!.value[1]) === SHORT ? SHORT : undefined;
      },
      45_000,
      'span metrics counting every successful run',
    );
    expect(counted).toBe(SHORT);
  });
});

describe('span metrics in Prometheus feed the unknown_scope_close alert', () => {
  it('has the series and labels the rule reads, and the rule evaluates and goes pending', async () => {
    const series = await eventually(
      async () => {
        const result = await prometheus.query<Array<{ metric: Record<string, string> }>>(
          `traces_span_metrics_calls_total{service_name="${SERVICE}", ` +
            'session_host_close_classification="unknown_scope_close"}',
        );
        return result.length > 0 ? result : undefined;
      },
      45_000,
      'unknown_scope_close span metrics in Prometheus',
    );
    for (const { metric } of series) {
      expect(metric).toMatchObject({ service_name: SERVICE, span_name: 'run', job: 'collector' });
      expect(metric.status_code).toMatch(/^STATUS_CODE_/);
      expect(metric.session_host_lifecycle_kind).toBeUndefined();
    }
    // The rule's label matchers select our closes: every run span with a classification, and
    // none of the `run closed` children (2 crashed long runs + 2 crashed short runs so far).
    type Rules = { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> };
    const rules = parse(readFileSync(SPAN_RULES, 'utf8')) as Rules;
    const expr = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === ALERT)!.expr;
    const selectors = [...expr.matchAll(/traces_span_metrics_calls_total\{[^}]*\}/g)].map((m) => m[0]);
    expect(selectors).toHaveLength(3);
    // The connector flushes every 15 s: wait for the flush that holds the last close.
    const numerator = await eventually(
      async () => {
        const result = await prometheus.query<Array<{ metric: Record<string, string>; value: [number, string] }>>(
          `sum by (service_name) (${selectors[0]!})`,
        );
        const value = result.find((r) => r.metric.service_name === SERVICE)?.value[1];
        return value === '4' ? value : undefined;
      },
      45_000,
      "the rule's unknown_scope_close selector counting 4 run spans",
    );
    expect(numerator).toBe('4');

    // Drive closes until the alert, as written, goes pending: each round two runs a reload
    // closes and one a crash closes (one in three unexplained, over the 5% threshold).
    let stop = false;
    let rounds = 0;
    const driver = (async () => {
      while (!stop && rounds < 400) {
        rounds++;
        const dir = await project(`drive${rounds}`);
        await startRun(dir);
        await startRun(dir);
        await post('/reload', { directory: dir });
        await startRun(dir);
        await post('/crash', { directory: dir });
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      const alert = await eventually(
        async () => {
          const response = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as {
            data: { alerts: Array<{ labels: Record<string, string>; state: string }> };
          };
          return response.data.alerts.find((a) => a.labels.alertname === ALERT && a.labels.service_name === SERVICE);
        },
        90_000,
        'the span-metrics alert going pending',
      );
      expect(['pending', 'firing']).toContain(alert.state);
      expect(alert.labels).toMatchObject({ severity: 'page', service_name: SERVICE });
    } finally {
      stop = true;
      await driver;
    }
    const groups = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
    };
    const rule = groups.data.groups.flatMap((g) => g.rules).find((r) => r.name === ALERT);
    expect(rule).toMatchObject({ health: 'ok' });
  }, 150_000);
});

describe('Jaeger knows the service and the operations a user searches by', () => {
  it('lists the host and its lifecycle operations', async () => {
    expect(await query.services()).toContain(SERVICE);
    const operations = (await httpJson('GET', `${jaeger.url}/api/services/${SERVICE}/operations`)).json as {
      data: string[];
    };
    expect(operations.data).toEqual(
      expect.arrayContaining(['lifecycle instance_dispose_all', 'lifecycle instance_reload', 'run closed', 'run']),
    );
  });
});
