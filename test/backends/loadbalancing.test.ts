// Scale-out: a front collector (examples/scale-out/loadbalancer.yaml) routes spans by trace id to
// two collectors, each running otel-collector.yaml with its own tail sampler. An action's trace and
// its runs' traces land on different collectors; every run trace that carries a lifecycle close
// must be kept whichever collector decides it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, httpJson, ROOT, type Service } from '../utils/processes.js';
import {
  JaegerQuery,
  scrapeSum,
  startCollector,
  startExampleHost,
  startJaeger,
  tag,
  tailSampler,
  type Collector,
  type Jaeger,
  type JaegerSpan,
} from './stack.js';

const SERVICE = 'backends-scale-out-host';
const LOADBALANCER = join(ROOT, 'examples', 'scale-out', 'loadbalancer.yaml');
const RUNS_PER_PROJECT = 8;
const SHORT = 10;
const RUN_ID = 'session_host.run.id';
const CLASSIFICATION = 'session_host.close.classification';

let work: string;
let jaeger: Jaeger;
let front: Collector;
const tier: Collector[] = [];
let host: Service;
let hostUrl: string;
let query: JaegerQuery;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'osl-scale-out-'));
  jaeger = await startJaeger();
  query = new JaegerQuery(jaeger.url);
  for (const name of ['sampling-1', 'sampling-2']) {
    tier.push(
      await startCollector(work, name, {
        'otlp_grpc/jaeger': `{ endpoint: "${jaeger.otlp}" }`,
        'otlp_grpc/tempo': `{ endpoint: "${jaeger.tempoOtlp}" }`,
      }),
    );
  }
  const hostnames = tier.map((c) => `"${c.otlpGrpc}"`).join(', ');
  front = await startCollector(
    work,
    'loadbalancer',
    {
      loadbalancing: `{ resolver: { static: { hostnames: [${hostnames}] } } }`,
    },
    LOADBALANCER,
  );
  ({ service: host, url: hostUrl } = await startExampleHost(front.otlpHttp, SERVICE));
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await front?.service.stop();
  for (const collector of tier) await collector.service.stop();
  await jaeger?.service.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const post = async (path: string, body: Record<string, unknown> = {}) => {
  const { status, json } = await httpJson('POST', `${hostUrl}${path}`, body);
  if (status !== 200) throw new Error(`${path}: ${status} ${JSON.stringify(json)}`);
  return json as Record<string, string>;
};

describe('two sampling collectors behind a load-balancing one', () => {
  it("keeps every closed run's trace, whichever collector decided it, and splits the traces", async () => {
    const before = await Promise.all(tier.map((c) => tailSampler(c)));
    // Long runs whose first step reaches the collectors at once, and short runs that succeed.
    const reloadDir = (await post('/projects', { name: 'reload' })).directory!;
    const crashDir = (await post('/projects', { name: 'crash' })).directory!;
    const reloaded: string[] = [];
    const crashed: string[] = [];
    for (let i = 0; i < RUNS_PER_PROJECT; i++) {
      reloaded.push((await post('/runs', { directory: reloadDir, ms: 600_000, step: true })).runId!);
      crashed.push((await post('/runs', { directory: crashDir, ms: 600_000, step: true })).runId!);
    }
    const shortDir = (await post('/projects', { name: 'short' })).directory!;
    for (let i = 0; i < SHORT; i++) await post('/runs', { directory: shortDir, ms: 20 });

    // Each sampling collector has decided every trace it received (the long runs' traces from
    // their step spans alone), and both received some: the traces were split between them.
    const expected = 2 * RUNS_PER_PROJECT + SHORT;
    const split = await eventually(
      async () => {
        const now = await Promise.all(tier.map((c) => tailSampler(c)));
        const received = now.map((n, i) => n.received - before[i]!.received);
        const decided = now.map((n, i) => n.decided - before[i]!.decided);
        const done = received.reduce((a, b) => a + b) === expected && decided.every((d, i) => d >= received[i]!);
        return done ? received : undefined;
      },
      90_000,
      `both sampling collectors deciding ${expected} traces`,
    );
    expect(
      split.every((n) => n > 0),
      `traces per collector: ${split.join(', ')}`,
    ).toBe(true);

    await post('/reload', { directory: reloadDir });
    await post('/crash', { directory: crashDir });

    const runs = await eventually(
      async () => {
        const found = new Map<string, JaegerSpan>();
        for (const trace of await query.find(SERVICE, { operation: 'run' })) {
          for (const span of trace.spans) {
            const id = String(tag(span, RUN_ID));
            if (span.operationName === 'run' && [...reloaded, ...crashed].includes(id)) found.set(id, span);
          }
        }
        return found.size === reloaded.length + crashed.length ? found : undefined;
      },
      30_000,
      'every closed run span in Jaeger',
    );
    const classification = (id: string) => tag(runs.get(id)!, CLASSIFICATION);
    for (const id of reloaded) expect(classification(id)).toBe('local_instance_reload');
    for (const id of crashed) expect(classification(id)).toBe('unknown_scope_close');

    const [reload] = await eventually(
      async () => {
        const found = await query.find(SERVICE, { operation: 'lifecycle instance_reload' });
        return found.length === 1 && found[0]!.spans.length === 1 + RUNS_PER_PROJECT ? found : undefined;
      },
      30_000,
      'the reload trace, whole',
    );
    const closed = reload!.spans.filter((s) => s.operationName === 'run closed').map((s) => tag(s, RUN_ID));
    expect(closed.sort()).toEqual([...reloaded].sort());
    for (const trace of await query.find(SERVICE)) {
      const ids = trace.spans.map((s) => s.spanID);
      expect(new Set(ids).size, `duplicate spans in ${trace.traceID}`).toBe(ids.length);
    }
  });

  it('counts span metrics on both collectors that add up to every close (the alert sums by service)', async () => {
    const total = async (classification: string) => {
      let sum = 0;
      for (const collector of tier) {
        sum += await scrapeSum(`http://${collector.metrics}/metrics`, 'traces_span_metrics_calls_total', {
          service_name: SERVICE,
          span_name: 'run',
          session_host_close_classification: classification,
        });
      }
      return sum;
    };
    const counted = await eventually(
      async () => {
        const now = [await total('local_instance_reload'), await total('unknown_scope_close'), await total('success')];
        return now.every((n, i) => n === [RUNS_PER_PROJECT, RUNS_PER_PROJECT, SHORT][i]) ? now : undefined;
      },
      45_000,
      'span metrics from both collectors',
    );
    expect(counted).toEqual([RUNS_PER_PROJECT, RUNS_PER_PROJECT, SHORT]);
  });
});
