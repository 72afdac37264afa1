// The set-up's span queue keeps the lifecycle evidence when it is full: runs that simply completed
// are dropped first, and every drop is counted by kind.
import { metrics } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionLifecycleInstrumentation } from '../src/index.js';
import { batchSettings } from '../src/sdk/env.js';
import { EvidenceQueue, noSpans, spanKindOf } from '../src/sdk/evidence-queue.js';
import { detectLine } from '../src/sdk/lines.js';
import { loadTraceSdk } from '../src/sdk/sdk-loader.js';
import { createSpanPipeline } from '../src/sdk/span-pipeline.js';
import { startReceiver, type Receiver } from '../support/otlp-receiver.js';
import { setup } from './utils/harness.js';

const span = (name: string, attributes: Record<string, unknown> = {}) => ({ name, attributes });
const run = (classification: string) => span('run', { 'session_host.close.classification': classification });
const action = () => span('lifecycle instance_dispose_all', { 'session_host.lifecycle.action.id': 'a1' });
const closed = () => span('run closed', { 'session_host.close.classification': 'local_instance_dispose' });

describe('spanKindOf', () => {
  it('reads the kind from the span the package wrote', () => {
    expect(spanKindOf(run('success'))).toBe('run_completed');
    expect(spanKindOf(run('error'))).toBe('run_other');
    expect(spanKindOf(run('user_cancel'))).toBe('run_other');
    expect(spanKindOf(run('local_instance_reload'))).toBe('run_lifecycle');
    expect(spanKindOf(run('unknown_scope_close'))).toBe('run_lifecycle');
    expect(spanKindOf(closed())).toBe('run_closed');
    expect(spanKindOf(action())).toBe('action');
    expect(spanKindOf(span('GET /session'))).toBe('other');
    // A host span named like an action, without the package's attributes, is the host's.
    expect(spanKindOf(span('lifecycle of a request'))).toBe('other');
  });

  it('agrees with the spans the package ends', async () => {
    const h = setup();
    const plain = h.lifecycle.trackRun({ runId: 'r1', sessionId: 's', scope: 'a', signal: null });
    const held = h.lifecycle.trackRun({ runId: 'r2', sessionId: 's', scope: 'a', signal: null });
    plain.end();
    await h.lifecycle.action('instance_dispose', { scopes: ['a'] }, () => h.lifecycle.closeScope('a'));
    held.end({ outcome: 'interrupted' });
    const kinds = h.spans().map((s) => `${s.attributes['session_host.run.id'] ?? '-'}:${spanKindOf(s)}`);
    expect(kinds.sort()).toEqual(['-:action', 'r1:run_completed', 'r2:run_closed', 'r2:run_lifecycle']);
  });
});

describe('EvidenceQueue', () => {
  it('on a full queue, the newest span of the lowest tier makes room; the evidence goes out first', () => {
    const queue = new EvidenceQueue(3);
    const [a, b, c] = [run('success'), run('success'), span('GET /')];
    queue.add(a);
    queue.add(b);
    queue.add(c);
    expect(queue.add(action())).toBe('run_completed');
    expect(queue.add(closed())).toBe('run_completed');
    // Now: the host's span and two evidence spans. A host span arriving cannot displace its own tier.
    expect(queue.add(span('POST /'))).toBe('other');
    expect(queue.add(run('unknown_scope_close'))).toBe('other');
    expect(queue.add(run('success'))).toBe('run_completed');
    expect(queue.size).toBe(3);
    expect(queue.dropped).toEqual({ ...noSpans(), run_completed: 3, other: 2 });
    expect(queue.take(2).map(spanKindOf)).toEqual(['action', 'run_closed']);
    expect(queue.take(5).map(spanKindOf)).toEqual(['run_lifecycle']);
    expect(queue.size).toBe(0);
  });

  it('drops evidence only when the queue holds nothing else, the action spans last, and counts it by kind', () => {
    const queue = new EvidenceQueue(2);
    queue.add(run('local_instance_dispose'));
    queue.add(closed());
    expect(queue.add(closed())).toBe('run_lifecycle');
    expect(queue.add(action())).toBe('run_closed');
    expect(queue.add(closed())).toBe('run_closed');
    expect(queue.add(action())).toBe('run_closed');
    expect(queue.add(action())).toBe('action');
    expect(queue.dropped).toEqual({ ...noSpans(), run_lifecycle: 1, run_closed: 3, action: 1 });
  });
});

describe('the set-up pipeline with a full queue, through the real OTLP exporter', () => {
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  async function pipelineTo(url: string, env: Record<string, string>) {
    const host = detectLine();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = url;
    try {
      const pipeline = await createSpanPipeline(
        host,
        await loadTraceSdk(host),
        {},
        {
          protocol: 'http/json',
          batch: batchSettings(env, 5_000),
          meterProvider: metrics.getMeterProvider(),
          suppressTracing,
          onAbandoned: () => {},
        },
      );
      const provider = new BasicTracerProvider({ spanProcessors: [pipeline.processor!] });
      const lifecycle = new SessionLifecycleInstrumentation();
      lifecycle.setTracerProvider(provider);
      return { pipeline, provider, lifecycle };
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    }
  }

  /** `plain` completed runs, a dispose-all closing `closing` runs, then `plain` more completed runs. */
  async function burst(lifecycle: SessionLifecycleInstrumentation, plain: number, closing: number) {
    const completed = () => {
      for (let i = 0; i < plain; i++)
        lifecycle.trackRun({ runId: `p${i}`, sessionId: 's', scope: 'b', signal: null }).end();
    };
    completed();
    const held = Array.from({ length: closing }, (_, i) =>
      lifecycle.trackRun({ runId: `h${i}`, sessionId: 's', scope: 'a', signal: null }),
    );
    await lifecycle.action('instance_dispose_all', () => {
      lifecycle.closeScope('a');
      for (const r of held) r.end({ outcome: 'interrupted' });
    });
    completed();
    return 2 * plain + 2 * closing + 1;
  }

  it('keeps every action span, run closed child and lifecycle-closed run; drops completed runs, all counted', async () => {
    receiver = await startReceiver();
    const { pipeline, provider, lifecycle } = await pipelineTo(receiver.url, {
      OTEL_BSP_MAX_QUEUE_SIZE: '512',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128',
    });
    const ended = await burst(lifecycle, 2_000, 100);
    await provider.forceFlush();
    const wire = receiver.spans();
    const dropped = pipeline.processor!.dropped();
    expect(wire.filter((s) => s.name.startsWith('lifecycle '))).toHaveLength(1);
    expect(wire.filter((s) => s.name === 'run closed')).toHaveLength(100);
    expect(
      wire.filter((s) => s.name === 'run' && s.attributes['session_host.run.id']?.toString().startsWith('h')),
    ).toHaveLength(100);
    expect(dropped).toEqual({ ...noSpans(), run_completed: ended - wire.length });
    expect(dropped.run_completed).toBeGreaterThan(2_000);
    await provider.shutdown();
  });

  it('when the evidence alone overflows the queue, what is dropped is counted as evidence, by kind', async () => {
    receiver = await startReceiver();
    const { pipeline, provider, lifecycle } = await pipelineTo(receiver.url, {
      OTEL_BSP_MAX_QUEUE_SIZE: '64',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64',
    });
    const ended = await burst(lifecycle, 10, 200);
    await provider.shutdown();
    const dropped = pipeline.processor!.dropped();
    const lost = Object.values(dropped).reduce((a, b) => a + b, 0);
    expect(lost).toBe(ended - receiver.spans().length);
    expect(dropped.run_closed + dropped.run_lifecycle).toBeGreaterThan(0);
  });

  it('while the backend is down, the evidence stays queued (failed exports spend completed runs) and arrives when it is back', async () => {
    let down = true;
    const refused: number[] = [];
    receiver = await startReceiver((req) => {
      if (!down || req.url !== '/v1/traces') return 200;
      refused.push(Date.now());
      return 400;
    });
    const { pipeline, provider, lifecycle } = await pipelineTo(receiver.url, {
      OTEL_BSP_MAX_QUEUE_SIZE: '256',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64',
      OTEL_BSP_SCHEDULE_DELAY: '20',
    });
    let ended = 0;
    for (let round = 0; round < 8; round++) {
      ended += await burst(lifecycle, 100, round % 2 === 0 ? 5 : 0);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    // At least one export failed, and after it the processor waits instead of draining the queue.
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(5);
    down = false;
    await provider.forceFlush();
    const wire = receiver.spans();
    expect(wire.filter((s) => s.name.startsWith('lifecycle '))).toHaveLength(8);
    expect(wire.filter((s) => s.name === 'run closed')).toHaveLength(20);
    const dropped = pipeline.processor!.dropped();
    expect(dropped).toEqual({ ...noSpans(), run_completed: dropped.run_completed });
    // Every span is accounted for: arrived, dropped on the full queue, or in a refused batch of completed runs.
    const refusedSpans = ended - wire.length - dropped.run_completed;
    expect(refusedSpans).toBeGreaterThan(0);
    expect(refusedSpans).toBeLessThanOrEqual(refused.length * 64);
    await provider.shutdown();
  });
});
