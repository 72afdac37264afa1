// A channel-only host (test/fixtures/channel-host.mjs: plain node:diagnostics_channel, no import of
// the package) on the host runtime of this test run: Node 20 here, Node 22/24 or Bun in the matrix
// (.ci/matrix.sh, OSL_RUNTIME). The register entry is all the process loads of the package; the
// trace shape that reaches a real OTLP receiver is the one the direct API gives.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver, type WireSpan } from '../support/otlp-receiver.js';
import { HOST_RUNTIME, hostFixture, preloadArgs, runScript } from './utils/processes.js';

const HOST = fileURLToPath(new URL('./fixtures/channel-host.mjs', import.meta.url));

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const attr = (span: WireSpan, key: string) => span.attributes[`session_host.${key}`];

describe(`a channel-only host on ${HOST_RUNTIME}`, () => {
  it('gives one root per action, a linked run closed child per interrupted run, every close its cause', async () => {
    receiver = await startReceiver();
    const host = await runScript([...preloadArgs('otel-session-lifecycle/register'), hostFixture(HOST)], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'channel-host',
    });
    expect(host.code, host.stderr).toBe(0);
    expect(host.stdout).toContain('done\n');
    // What the package and the host's guard rely on, on every runtime. (The TracingChannel's own
    // `hasSubscribers` is missing on Bun, which is why hosts check `start.hasSubscribers`.)
    const offers = JSON.parse(host.stdout.split('\n').find((l) => l.startsWith('{'))!) as Record<string, string>;
    expect(offers).toMatchObject({ startHasSubscribers: 'boolean', bindStore: 'function', runStores: 'function' });
    const spans = receiver.spans();
    const actions = spans.filter((s) => s.name.startsWith('lifecycle '));
    expect(actions.map((s) => [s.name, s.parentSpanId, attr(s, 'lifecycle.runs_interrupted')])).toEqual([
      ['lifecycle instance_reload', '', 2],
      ['lifecycle instance_dispose_all', '', 4],
      ['lifecycle instance_reload', '', 2],
      ['lifecycle instance_dispose', '', 1],
    ]);
    const runSpans = spans.filter((s) => s.name === 'run');
    const runOf = (runId: unknown) => runSpans.find((s) => attr(s, 'run.id') === runId)!;
    expect(runSpans).toHaveLength(12);
    const children = spans.filter((s) => s.name === 'run closed');
    expect(children).toHaveLength(9);
    for (const [i, action] of actions.entries()) {
      const mine = children.filter((c) => c.parentSpanId === action.spanId);
      expect(mine).toHaveLength([2, 4, 2, 1][i]!);
      for (const child of mine) {
        const run = runOf(attr(child, 'run.id'));
        expect(child.traceId).toBe(action.traceId);
        expect(child.links).toEqual([{ traceId: run.traceId, spanId: run.spanId }]);
        expect(run.links).toEqual([{ traceId: action.traceId, spanId: action.spanId }]);
        expect(attr(run, 'lifecycle.action.id')).toBe(attr(action, 'lifecycle.action.id'));
      }
    }
    const closes = Object.fromEntries(
      runSpans.map((s) => [attr(s, 'run.id'), `${attr(s, 'close.classification')}/${attr(s, 'close.provenance')}`]),
    );
    expect(closes).toEqual({
      'run-0-0': 'local_instance_reload/context',
      'run-0-1': 'local_instance_reload/context',
      'run-1-0': 'local_instance_dispose/context',
      'run-1-1': 'local_instance_dispose/context',
      'run-2-0': 'local_instance_dispose/context',
      'run-2-1': 'local_instance_dispose/context',
      'run-3-0': 'local_instance_reload/scope_registry',
      'run-3-1': 'local_instance_reload/scope_registry',
      'run-completes': 'success/undefined',
      'run-cancelled': 'user_cancel/undefined',
      'run-crashed': 'unknown_scope_close/none',
      'run-5-0': 'local_instance_dispose/context',
    });
    expect(attr(runOf('run-cancelled'), 'session.id')).toBe('session-run-cancelled');
    expect(attr(runOf('run-2-0'), 'lifecycle.kind')).toBe('instance_dispose_all');
    expect(JSON.stringify(spans)).not.toContain('channel-user');
  });
});
