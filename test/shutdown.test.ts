// Shutdown keeps the evidence: a host that owns SIGTERM and awaits its dispose-all before it
// shuts telemetry down gets every span of that dispose-all exported, through the real OTLP
// exporter to a loopback receiver.
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './utils/otlp-receiver.js';
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
