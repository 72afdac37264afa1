// Shutdown keeps the evidence: a host that owns SIGTERM and awaits its dispose-all before it
// shuts telemetry down gets every span of that dispose-all exported, through the real OTLP
// exporter to a loopback receiver. And the shutdown step alone: one shutdown, bounded by the
// exporter timeout, never rejecting.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { DropReporter } from '../src/sdk/drop-report.js';
import { noSpans } from '../src/sdk/evidence-queue.js';
import { createStopper } from '../src/sdk/shutdown.js';
import { PACKAGE_NAME } from '../src/version.js';
import { captureDiag } from './utils/harness.js';
import { startReceiver, type Receiver } from '../support/otlp-receiver.js';
import { runHost } from './utils/processes.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sigterm-host.mjs', import.meta.url));
let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

it("a host's own SIGTERM handler that awaits disposeAll, then shutdown(): the whole dispose-all arrives", async () => {
  receiver = await startReceiver();
  const host = await runHost(
    FIXTURE,
    { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    (line, child) => {
      if (line === 'ready') child.kill('SIGTERM');
    },
  );
  expect(host.code, host.stderr).toBe(0);
  expect(host.stdout).toContain('snapshot 50');
  const spans = receiver.spans();
  const actions = spans.filter((s) => s.name === 'lifecycle instance_dispose_all');
  expect(actions).toHaveLength(1);
  expect(actions[0]!.attributes['session_host.lifecycle.runs_interrupted']).toBe(50);
  expect(spans.filter((s) => s.name === 'run closed')).toHaveLength(50);
  expect(spans.filter((s) => s.name === 'run')).toHaveLength(50);
});

describe('createStopper', () => {
  const drops = (): DropReporter & { reports: number } => {
    const reporter = {
      reports: 0,
      reader: undefined as unknown as DropReporter['reader'],
      totals: async () => ({ queueFull: 0, queueFullByKind: noSpans(), exportFailed: 0 }),
      report: async () => {
        reporter.reports++;
      },
    };
    return reporter;
  };
  const never = { shutdown: () => new Promise<void>(() => {}) };
  const fine = { shutdown: async () => {} };

  it('is one shutdown however often it is called, and stops the timers and metrics once', async () => {
    let timers = 0;
    let metricStops = 0;
    const reporter = drops();
    const stopper = createStopper({
      tracerProvider: fine,
      meterProvider: { shutdown: async () => void metricStops++ },
      exporter: undefined,
      drops: reporter,
      exportTimeoutMs: 10_000,
      stopTimers: () => void timers++,
    });
    expect(stopper.stopping).toBe(false);
    const first = stopper.shutdown();
    expect(stopper.shutdown()).toBe(first);
    expect(stopper.stopping).toBe(true);
    await first;
    await stopper.stopMetrics();
    expect([timers, metricStops, reporter.reports]).toEqual([1, 1, 1]);
  });

  it('a tracer provider that never stops: resolves at the exporter timeout and says spans are lost', async () => {
    const diag = captureDiag();
    try {
      await createStopper({
        tracerProvider: never,
        meterProvider: fine,
        exporter: undefined,
        drops: drops(),
        exportTimeoutMs: 50,
        stopTimers: () => {},
      }).shutdown();
      expect(diag.lines.some((l) => l.includes('did not flush within the exporter timeout (50 ms)'))).toBe(true);
      expect(diag.lines.every((l) => l.includes(PACKAGE_NAME))).toBe(true);
    } finally {
      diag.restore();
    }
  });

  it('a provider that fails to stop: resolves, never rejects, and reports both failures on the diag logger', async () => {
    const diag = captureDiag();
    try {
      const failing = { shutdown: () => Promise.reject(new TypeError('secret /home/alice')) };
      await expect(
        createStopper({
          tracerProvider: failing,
          meterProvider: failing,
          exporter: undefined,
          drops: drops(),
          exportTimeoutMs: 10_000,
          stopTimers: () => {},
        }).shutdown(),
      ).resolves.toBeUndefined();
      expect(diag.lines.some((l) => l.includes('the last span export at shutdown failed'))).toBe(true);
      expect(diag.lines.some((l) => l.includes('stopping the metrics failed (TypeError)'))).toBe(true);
      expect(diag.lines.join('\n')).not.toContain('alice');
    } finally {
      diag.restore();
    }
  });
});
