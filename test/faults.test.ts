// Exporter faults: an OTLP endpoint that answers 500, hangs, resets connections, or is absent.
// Host calls return at once, nothing rejects unhandled, the loss is reported on the diag logger,
// and SIGTERM still ends the process within the exporter timeout.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/otlp-receiver.js';
import { runHost } from './utils/processes.js';
import { freePort } from '../support/net.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/fanout-host.mjs', import.meta.url));
const EXPORT_TIMEOUT_MS = 1500;

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const FAULTS: Array<[string, () => Promise<string>, RegExp]> = [
  [
    'answers 500',
    async () => (receiver = await startReceiver(() => 500)).url,
    /spans could not be exported|export at shutdown failed/,
  ],
  [
    'hangs',
    async () => (receiver = await startReceiver(() => 'hang')).url,
    /did not flush within the exporter timeout|spans could not be exported/,
  ],
  [
    'resets connections',
    async () => (receiver = await startReceiver(() => 'reset')).url,
    /spans could not be exported|export at shutdown failed/,
  ],
  [
    'is absent',
    async () => `http://127.0.0.1:${await freePort()}`,
    /spans could not be exported|export at shutdown failed/,
  ],
];

describe('an OTLP endpoint that fails', () => {
  for (const [fault, endpoint, reported] of FAULTS) {
    it(`${fault}: host calls return, no unhandled rejection, the loss is reported, SIGTERM exits in time`, async () => {
      let signalledAt = 0;
      const host = await runHost(
        FIXTURE,
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: await endpoint(),
          OTEL_EXPORTER_OTLP_TIMEOUT: String(EXPORT_TIMEOUT_MS),
          WAIT_FOR_SIGNAL: '1',
          LATER_CALLS: '1',
        },
        (line, child) => {
          if (line === 'ready') {
            signalledAt = Date.now();
            child.kill('SIGTERM');
          }
        },
      );
      expect(host.stdout).toContain('calls done');
      expect(host.signal).toBe('SIGTERM');
      expect(host.stdout).not.toContain('UNHANDLED REJECTION');
      const diag = host.stdout + host.stderr;
      expect(diag).toMatch(reported);
      // The exporter timeout, plus process start-up slack on a loaded 2-core machine.
      expect(Date.now() - signalledAt).toBeLessThan(EXPORT_TIMEOUT_MS + 3000);
      if (fault === 'hangs') expect(receiver!.raw.length).toBeGreaterThan(0);
    });
  }

  it('a full span queue is counted and reported on diag and as a metric, never silent', async () => {
    receiver = await startReceiver();
    const host = await runHost(FIXTURE, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRICS_EXPORTER: 'otlp',
      SCOPES: '100',
      RUNS: '100',
      OTEL_BSP_MAX_QUEUE_SIZE: '2048',
      LATER_CALLS: '1',
    });
    expect(host.code).toBe(0);
    const metrics = receiver.raw
      .filter((r) => r.path === '/v1/metrics')
      .map((r) => r.body.toString('utf8'))
      .join('\n');
    expect(metrics).toContain('"otel.sdk.processor.span.processed"');
    expect(metrics).toContain('{"key":"error.type","value":{"stringValue":"queue_full"}}');
    const match = /(\d+) spans dropped because the span queue \(2048\) was full \((\d+) in all\): (.*?);/.exec(
      host.stdout + host.stderr,
    );
    expect(match, host.stderr).not.toBeNull();
    const arrived = receiver.spans().length;
    // 10,000 runs + 1,000 closed-run spans + the action + 2,000 later runs ended.
    expect(Number(match![2])).toBe(13_001 - arrived);
    // The 2,000 later runs completed: none took the place of evidence; the action span arrived.
    expect(match![3]).toMatch(/^2000 run_completed, \d+ run_lifecycle/);
    expect(receiver.spans().filter((s) => s.name === 'lifecycle instance_dispose_all')).toHaveLength(1);
  });
});
