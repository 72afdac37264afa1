// Through the set-up entry, as a user starts it: the OTLP endpoint fails for the first half of a
// soak of completed runs and disposes. Every action span and every `run closed` child arrives once
// the endpoint is back; the full queue dropped completed runs only; every span ended is accounted
// for (arrived, dropped on the full queue, or in a failed export).
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/otlp-receiver.js';
import { hostFixture, runScript } from './utils/processes.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/soak-host.mjs', import.meta.url));
const ROUNDS = 8;
const HELD = 20;

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('an endpoint outage during a soak, through the set-up entry', () => {
  it('keeps the lifecycle evidence and accounts for every span', async () => {
    let down = true;
    let refused = 0;
    receiver = await startReceiver((req) => {
      if (!down || req.url !== '/v1/traces') return 200;
      refused++;
      return 400;
    });
    const result = await runScript(
      [hostFixture(FIXTURE)],
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_MAX_QUEUE_SIZE: '1024',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128',
        OTEL_BSP_SCHEDULE_DELAY: '50',
        ROUNDS: String(ROUNDS),
        COMPLETED: '500',
        HELD: String(HELD),
        PAUSE_MS: '150',
      },
      (line) => {
        if (line === `round ${ROUNDS / 2}`) down = false;
      },
      60_000,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(refused).toBeGreaterThan(0);
    const wire = receiver.spans();
    expect(wire.filter((s) => s.name === 'lifecycle instance_dispose')).toHaveLength(ROUNDS);
    expect(wire.filter((s) => s.name === 'run closed')).toHaveLength(ROUNDS * HELD);
    const closedRuns = wire.filter(
      (s) => s.name === 'run' && s.attributes['session_host.close.classification'] === 'local_instance_dispose',
    );
    expect(closedRuns).toHaveLength(ROUNDS * HELD);
    const { ended, dropped } = JSON.parse(/^done (\{.*\})$/m.exec(result.stdout)![1]!) as {
      ended: number;
      dropped: { queueFull: number; queueFullByKind: Record<string, number>; exportFailed: number };
    };
    expect(dropped.queueFull).toBeGreaterThan(0);
    expect(dropped.queueFullByKind.run_completed).toBe(dropped.queueFull);
    expect(dropped.exportFailed).toBeGreaterThan(0);
    // Nothing unaccounted for.
    expect(wire.length + dropped.queueFull + dropped.exportFailed).toBe(ended);
    expect(result.stdout + result.stderr).toMatch(/run_completed; the lifecycle evidence was kept/);
  });
});
