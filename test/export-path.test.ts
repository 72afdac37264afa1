// The set-up entry's export path, on a loopback OTLP receiver: a full span queue is delivered
// whole at shutdown, and an endpoint that fails never sees more than one export at a time. The
// same hosts on the SDK's own BatchSpanProcessor show what the set-up entry protects against (on
// the SDK line installed: the checkout's SDK 2, and in the matrix every runtime and line).
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/otlp-receiver.js';
import { hostFixture, runScript } from './utils/processes.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/export-host.mjs', import.meta.url));
/** One batch in flight, then a queue of 16,384 filled to the brim: the set-up's default size. */
const FULL_QUEUE_BURST = 512 + 16_384;

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function host(env: Record<string, string>, onLine?: Parameters<typeof runScript>[2]) {
  return runScript([hostFixture(FIXTURE)], { OTEL_EXPORTER_OTLP_ENDPOINT: receiver!.url, ...env }, onLine, 60_000);
}

describe('shutdown with a full span queue', () => {
  it('delivers every span, and resolves only after they arrived', async () => {
    receiver = await startReceiver();
    let arrivedWhenResolved = -1;
    const result = await host(
      { MODE: 'burst', SPANS: String(FULL_QUEUE_BURST), OTEL_BSP_SCHEDULE_DELAY: '60000' },
      (line) => {
        if (line.startsWith('shut down')) arrivedWhenResolved = receiver!.spans().length;
      },
    );
    expect(result.code, result.stderr).toBe(0);
    // Nothing was dropped on the way in: the queue held all it was given.
    expect(result.stdout).toContain('shut down {"before":{"queueFull":0,');
    expect(result.stdout).toContain('"exportFailed":0}}');
    expect(arrivedWhenResolved).toBe(FULL_QUEUE_BURST);
    expect(receiver.spans()).toHaveLength(FULL_QUEUE_BURST);
    expect(result.stdout + result.stderr).not.toMatch(
      /spans dropped|could not be exported|did not flush|export at shutdown failed/,
    );
  });

  it("the SDK's own processor and exporter, same queue: spans lost at shutdown", async () => {
    receiver = await startReceiver();
    const result = await host({
      MODE: 'burst',
      PLAIN: '1',
      SPANS: String(FULL_QUEUE_BURST),
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    });
    expect(result.stdout).toContain('shutdown rejected: Concurrent export limit reached');
    expect(receiver.spans().length).toBeLessThan(FULL_QUEUE_BURST);
  });
});

describe('an endpoint that fails: one export in flight at a time outside shutdown', () => {
  const outage = { MODE: 'outage', ROUNDS: '20', BURST: '600', PAUSE_MS: '100', OTEL_EXPORTER_OTLP_TIMEOUT: '300' };

  /** Runs the outage host; the most trace requests open at once before shutdown began. */
  async function outageHost(env: Record<string, string> = {}) {
    let beforeShutdown = -1;
    const result = await host({ ...outage, ...env }, (line) => {
      if (line.startsWith('rounds done')) beforeShutdown = receiver!.maxConcurrentTraceRequests();
    });
    return { result, beforeShutdown, traceRequests: receiver!.raw.filter((r) => r.path === '/v1/traces').length };
  }

  it('answers 500: exports stay serial, and the failures still reach the drop report', async () => {
    receiver = await startReceiver(() => 500);
    const { result, beforeShutdown, traceRequests } = await outageHost();
    expect(result.code, result.stderr).toBe(0);
    expect(traceRequests).toBeGreaterThan(3);
    expect(beforeShutdown).toBe(1);
    const dropped = JSON.parse(/rounds done (\{.*\})/.exec(result.stdout)![1]!) as {
      dropped: { exportFailed: number };
    };
    expect(dropped.dropped.exportFailed).toBeGreaterThan(0);
  });

  it('hangs until the exporter times out: exports stay serial', async () => {
    receiver = await startReceiver(() => 'hang');
    const { result, beforeShutdown, traceRequests } = await outageHost();
    expect(result.code, result.stderr).toBe(0);
    expect(traceRequests).toBeGreaterThan(1);
    expect(beforeShutdown).toBe(1);
  });

  it("the SDK's own processor against the same endpoint: concurrent exports", async () => {
    receiver = await startReceiver(() => 'hang');
    const { beforeShutdown } = await outageHost({ PLAIN: '1' });
    expect(beforeShutdown).toBeGreaterThan(1);
  });
});
