import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver, type WireSpan } from '../support/otlp-receiver.js';
import { runHost as runFixture, type HostResult } from './utils/processes.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/fanout-host.mjs', import.meta.url));
const runHost = (env: Record<string, string>, onLine?: Parameters<typeof runFixture>[2]): Promise<HostResult> =>
  runFixture(FIXTURE, env, onLine);

function printedRuns(stdout: string): Array<{ runId: string; traceId: string; spanId: string }> {
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`no run ids printed: ${stdout}`);
  return (JSON.parse(line) as { runs: Array<{ runId: string; traceId: string; spanId: string }> }).runs;
}

function assertFanout(spans: WireSpan[], runs: ReturnType<typeof printedRuns>, serviceName: string): void {
  const roots = spans.filter((s) => s.name.startsWith('lifecycle '));
  expect(roots).toHaveLength(1);
  const root = roots[0]!;
  expect(root.name).toBe('lifecycle instance_dispose_all');
  expect(root.parentSpanId).toBe('');
  expect(root.attributes['session_host.lifecycle.runs_interrupted']).toBe(12);
  expect(root.attributes['session_host.lifecycle.runs_omitted']).toBe(0);
  expect(root.attributes['session_host.lifecycle.scope_keys']).toHaveLength(3);
  expect(root.resource['service.name']).toBe(serviceName);
  expect(root.scope.name).toBe('otel-session-lifecycle');
  const actionId = root.attributes['session_host.lifecycle.action.id'];
  expect(actionId).toMatch(/^instance_dispose_all-[0-9a-z]+-[0-9a-z]+$/);

  const children = spans.filter((s) => s.name === 'run closed');
  expect(children).toHaveLength(12);
  const runSpans = spans.filter((s) => s.name === 'run');
  expect(runSpans).toHaveLength(12);
  const printed = new Map(runs.map((r) => [r.runId, r]));
  for (const child of children) {
    expect(child.traceId).toBe(root.traceId);
    expect(child.parentSpanId).toBe(root.spanId);
    const runId = child.attributes['session_host.run.id'] as string;
    const run = runSpans.find((s) => s.attributes['session_host.run.id'] === runId)!;
    expect(child.links).toEqual([{ traceId: run.traceId, spanId: run.spanId }]);
    expect(child.links[0]).toEqual({ traceId: printed.get(runId)!.traceId, spanId: printed.get(runId)!.spanId });
    expect(child.attributes).toMatchObject({
      'session_host.close.classification': 'local_instance_dispose',
      'session_host.close.summary_key': 'local_instance_dispose.lifecycle_close',
      'session_host.close.provenance': 'context',
      'session_host.lifecycle.action.id': actionId,
      'session_host.lifecycle.kind': 'instance_dispose_all',
    });
    expect(child.attributes['session_host.scope.key']).toMatch(/^dir:[0-9a-f]{16}$/);
  }
  for (const run of runSpans) {
    expect(run.links).toEqual([{ traceId: root.traceId, spanId: root.spanId }]);
    expect(run.attributes['session_host.close.classification']).toBe('local_instance_dispose');
    expect(run.attributes['session_host.lifecycle.action.id']).toBe(actionId);
  }
  expect(JSON.stringify(spans)).not.toContain('wire-user');
}

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('real OTLP on the wire, through --import otel-session-lifecycle/register', () => {
  for (const protocol of ['http/json', 'http/protobuf']) {
    it(`${protocol}: one root, its children, links equal to the run span ids, flushed on exit`, async () => {
      receiver = await startReceiver();
      const host = await runHost({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
        OTEL_SERVICE_NAME: 'wire-test-host',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=ci',
      });
      expect(host.code).toBe(0);
      const spans = receiver.spans();
      expect(spans).toHaveLength(25);
      expect(
        receiver.requests.every((r) => r.contentType.includes(protocol === 'http/json' ? 'json' : 'protobuf')),
      ).toBe(true);
      assertFanout(spans, printedRuns(host.stdout), 'wire-test-host');
      expect(spans[0]!.resource['deployment.environment.name']).toBe('ci');
    });
  }

  it('flushes on SIGTERM and still exits by the signal', async () => {
    receiver = await startReceiver();
    const host = await runHost(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'sigterm-host', WAIT_FOR_SIGNAL: '1' },
      (line, child) => {
        if (line === 'ready') child.kill('SIGTERM');
      },
    );
    expect(host.signal).toBe('SIGTERM');
    assertFanout(receiver.spans(), printedRuns(host.stdout), 'sigterm-host');
  });

  it('sizes the span queue so a 10,000-run dispose-all at the default cap arrives whole', async () => {
    receiver = await startReceiver();
    const host = await runHost({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, SCOPES: '100', RUNS: '100' });
    expect(host.code).toBe(0);
    const spans = receiver.spans();
    const root = spans.filter((s) => s.name === 'lifecycle instance_dispose_all');
    expect(root).toHaveLength(1);
    expect(root[0]!.attributes['session_host.lifecycle.runs_interrupted']).toBe(10_000);
    expect(root[0]!.attributes['session_host.lifecycle.runs_omitted']).toBe(9_000);
    expect(spans.filter((s) => s.name === 'run closed')).toHaveLength(1_000);
    const runs = spans.filter((s) => s.name === 'run');
    expect(runs).toHaveLength(10_000);
    const actionId = root[0]!.attributes['session_host.lifecycle.action.id'];
    expect(runs.filter((r) => r.attributes['session_host.lifecycle.action.id'] === actionId)).toHaveLength(10_000);
  });

  it("respects the user's OTEL_BSP_MAX_QUEUE_SIZE (which then drops part of that burst)", async () => {
    receiver = await startReceiver();
    const host = await runHost({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      SCOPES: '100',
      RUNS: '100',
      OTEL_BSP_MAX_QUEUE_SIZE: '2048',
    });
    expect(host.code).toBe(0);
    expect(receiver.spans().length).toBeLessThan(11_001);
  });

  it('takes OTEL_EXPORTER_OTLP_HEADERS, and OTEL_EXPORTER_OTLP_TRACES_ENDPOINT over the general endpoint', async () => {
    receiver = await startReceiver();
    const host = await runHost({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=blue,authorization=Bearer%20t0k3n',
    });
    expect(host.code).toBe(0);
    expect(receiver.spans()).toHaveLength(25);
    expect(receiver.raw[0]!.headers['x-tenant']).toBe('blue');
    expect(receiver.raw[0]!.headers.authorization).toBe('Bearer t0k3n');
  });

  it('OTEL_SDK_DISABLED=true sends nothing', async () => {
    receiver = await startReceiver();
    const host = await runHost({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: 'true' });
    expect(host.code).toBe(0);
    expect(printedRuns(host.stdout)).toHaveLength(12);
    expect(receiver.requests).toHaveLength(0);
  });

  it('OTEL_TRACES_SAMPLER=always_off: run spans are sampled out, every lifecycle span still arrives', async () => {
    receiver = await startReceiver();
    const host = await runHost({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: 'always_off' });
    expect(host.code).toBe(0);
    const names = receiver.spans().map((s) => s.name);
    expect(names.filter((n) => n === 'lifecycle instance_dispose_all')).toHaveLength(1);
    expect(names.filter((n) => n === 'run closed')).toHaveLength(12);
    expect(names.filter((n) => n === 'run')).toHaveLength(0);
  });

  it('OTEL_TRACES_EXPORTER=console prints the spans instead of sending them', async () => {
    receiver = await startReceiver();
    const host = await runHost({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_EXPORTER: 'console' });
    expect(host.code).toBe(0);
    // console.dir output: Node.js quotes with ', Bun with ".
    expect(host.stdout).toMatch(/name: ['"]lifecycle instance_dispose_all['"]/);
    expect(host.stdout.match(/name: ['"]run closed['"]/g)).toHaveLength(12);
    expect(receiver.requests).toHaveLength(0);
  });
});
