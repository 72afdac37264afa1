// No user content on the wire: a host feeds canaries (absolute paths, an sk- token, an e-mail
// address, prompt text, a tool input) into every input of the package, its effect entry included
// (fiber runs, Scopes, services, a hostile instrumentation), exporting traces and
// metrics over real OTLP with the diag logger at debug. None may appear in the bytes the
// exporters send, in the snapshot, in what the hooks received, or in any diag line.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/otlp-receiver.js';
import { runHost } from './utils/processes.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/leak-host.mjs', import.meta.url));
const CANARIES = [
  'canary-user',
  '/home/',
  'sk-canary',
  'canary.person',
  '@example.com',
  'CANARY PROMPT',
  'merger plan',
  'canary-tool-input',
  'rm -rf',
];

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('no user content leaves the process', () => {
  for (const protocol of ['http/json', 'http/protobuf']) {
    it(`${protocol}: not in exported spans or metrics, the snapshot, hook info or diag lines`, async () => {
      receiver = await startReceiver();
      const host = await runHost(FIXTURE, {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_SERVICE_NAME: 'leak-test-host',
        OTEL_LOG_LEVEL: 'debug',
      });
      expect(host.code).toBe(0);
      const traces = receiver.raw.filter((r) => r.path === '/v1/traces');
      const metrics = receiver.raw.filter((r) => r.path === '/v1/metrics');
      expect(traces.length).toBeGreaterThan(0);
      expect(metrics.length).toBeGreaterThan(0);
      const wire = Buffer.concat([...traces, ...metrics].map((r) => r.body)).toString('latin1');
      // Controls: the evidence is there, and the diag logger did write.
      for (const present of [
        'session_host.close.classification',
        'unknown_scope_close',
        'local_instance_dispose',
        'session_host.run.closes',
        // from the effect entry: its reload action, and the fibers it interrupted
        'local_instance_reload',
      ]) {
        expect(wire).toContain(present);
      }
      expect(host.stdout).toContain('SNAPSHOT {"schema_version":1');
      expect(host.stdout).toContain('HOOKINFO [{');
      const diag = `${host.stdout}\n${host.stderr}`;
      expect(diag).toContain('actionHook failed');
      expect(diag).toContain('runCloseHook failed');
      expect(diag).toContain('undeclared lifecycle kind');
      expect(diag).toContain('effect: withLifecycleAction(a string of length');
      expect(diag).toContain('lifecycle.begin (the Effect runs untraced) failed (Error)');
      expect(diag).toContain('did not see; attributed at the exit');
      expect(diag).toContain('scopeOf for reload failed (Error)');
      for (const canary of CANARIES) {
        expect(wire, `on the wire: ${canary}`).not.toContain(canary);
        expect(diag, `in the process output: ${canary}`).not.toContain(canary);
      }
      // Span names and attribute values, decoded, carry only bounded tokens and keys.
      for (const span of receiver.spans()) {
        for (const value of Object.values(span.attributes)) {
          for (const v of Array.isArray(value) ? value : [value])
            if (typeof v === 'string') expect(v).toMatch(/^[A-Za-z0-9_.:-]{0,128}$/);
        }
      }
    });
  }
});
