// The example session host, end to end over HTTP on loopback, with its spans asserted.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSessionHost, type SessionHost } from '../examples/session-host/host.js';
import type { LifecycleSnapshot } from '../src/index.js';
import { setup, type Harness } from './utils/harness.js';
import { startReceiver } from '../support/otlp-receiver.js';
import { httpJson, ROOT, runDemo } from './utils/processes.js';
import { freePort } from '../support/net.js';

let h: Harness;
let host: SessionHost;
const post = async (path: string, body: Record<string, unknown> = {}) => {
  const { status, json } = await httpJson('POST', `${host.url}${path}`, body);
  expect(status, `${path} ${JSON.stringify(json)}`).toBe(200);
  return json as Record<string, string>;
};
const project = async (name: string) => (await post('/projects', { name })).directory!;
const run = async (directory: string) => (await post('/runs', { directory })).runId!;
const settle = () => new Promise((r) => setTimeout(r, 10));

beforeEach(async () => {
  h = setup();
  host = await startSessionHost({ lifecycle: h.lifecycle });
});
afterEach(async () => {
  await host.close();
});

describe('example session host over HTTP', () => {
  it('keeps instances in real temporary directories, which never reach the telemetry', async () => {
    const directory = await project('alpha');
    expect(existsSync(directory)).toBe(true);
    const id = await run(directory);
    await post('/reload', { directory });
    await settle();
    const spans = JSON.stringify(h.spans().map((s) => [s.name, s.attributes, s.links]));
    expect(spans).not.toContain(directory);
    expect(h.runSpan(id).attributes['session_host.scope.key']).toBe(h.lifecycle.scopeKey(directory));
  });

  it('reload, dispose, dispose directory and dispose all each close their runs as their kind', async () => {
    const [a, b, c, d] = [await project('a'), await project('b'), await project('c'), await project('d')];
    const ids = { a: await run(a), b: await run(b), c: await run(c), d1: await run(d), d2: await run(d) };
    await post('/reload', { directory: a });
    await post('/dispose', { directory: b });
    await post('/dispose-directory', { directory: c });
    await post('/dispose-all');
    await settle();
    expect(h.actionSpans().map((s) => s.name)).toEqual([
      'lifecycle instance_reload',
      'lifecycle instance_dispose',
      'lifecycle instance_dispose_directory',
      'lifecycle instance_dispose_all',
    ]);
    const kindOf = (id: string) => h.runSpan(id).attributes['session_host.lifecycle.kind'];
    expect([kindOf(ids.a), kindOf(ids.b), kindOf(ids.c), kindOf(ids.d1), kindOf(ids.d2)]).toEqual([
      'instance_reload',
      'instance_dispose',
      'instance_dispose_directory',
      'instance_dispose_all',
      'instance_dispose_all',
    ]);
    const all = h.actionSpans()[3]!;
    expect(all.attributes['session_host.lifecycle.runs_interrupted']).toBe(2);
    expect(h.named('run closed').filter((s) => s.parentSpanContext?.spanId === all.spanContext().spanId)).toHaveLength(
      2,
    );
    const runs = (await httpJson('GET', `${host.url}/runs`)).json as Record<string, string>;
    expect(Object.values(runs)).toEqual(['aborted', 'aborted', 'aborted', 'aborted', 'aborted']);
  });

  it('classifies the crash path, which closes an instance without any lifecycle call, as unknown_scope_close', async () => {
    const directory = await project('crashy');
    const [x, y] = [await run(directory), await run(directory)];
    await post('/crash', { directory });
    await settle();
    for (const id of [x, y]) {
      const span = h.runSpan(id);
      expect(span.attributes['session_host.close.classification']).toBe('unknown_scope_close');
      expect(span.attributes['session_host.close.missing_provenance']).toEqual(['lifecycle.close_requested']);
      expect(span.attributes['session_host.run.error.fingerprint']).toBe('Error');
    }
    expect(h.actionSpans()).toHaveLength(0);
    expect(h.named('run closed')).toHaveLength(0);
  });

  it('a run that finishes on its own is a success', async () => {
    const directory = await project('quick');
    const id = (await post('/runs', { directory, ms: 1 })).runId!;
    await new Promise((r) => setTimeout(r, 30));
    expect(h.runSpan(id).attributes['session_host.close.summary_key']).toBe('success.completed');
  });

  it('serves the diagnostics snapshot at /debug/lifecycle, without raw paths', async () => {
    const directory = await project('snap');
    await run(directory);
    await post('/crash', { directory });
    const { status, json } = await httpJson('GET', `${host.url}/debug/lifecycle`);
    expect(status).toBe(200);
    const snapshot = json as LifecycleSnapshot;
    expect(snapshot.schema_version).toBe(1);
    expect(snapshot.closes_by_classification.unknown_scope_close).toBe(1);
    expect(snapshot.recent_closes[0]!.scope_key).toBe(h.lifecycle.scopeKey(directory));
    expect(JSON.stringify(snapshot)).not.toContain(directory);
  });

  it('answers bad requests with 4xx, and keeps serving', async () => {
    expect((await httpJson('POST', `${host.url}/runs`, { directory: '/not/a/project' })).status).toBe(404);
    expect((await fetch(`${host.url}/runs`, { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await httpJson('GET', `${host.url}/nope`)).status).toBe(404);
    expect((await httpJson('GET', `${host.url}/health`)).json).toEqual({ ok: true });
  });
});

describe('npm run demo', () => {
  it('also exports to OTEL_EXPORTER_OTLP_ENDPOINT when it is set, and says so', async () => {
    const receiver = await startReceiver();
    try {
      const result = await runDemo([], { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain(`spans recorded in memory and exported to ${receiver.url}`);
      const names = receiver.spans().map((span) => span.name);
      expect(names).toEqual(
        expect.arrayContaining(['lifecycle instance_reload', 'lifecycle instance_dispose_all', 'run closed', 'run']),
      );
    } finally {
      await receiver.close();
    }
  });

  it('finishes cleanly when that endpoint is down', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const result = await runDemo([], { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_TIMEOUT: '1000' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`could not export to ${endpoint} \\((ECONNREFUSED|export failed)\\); the output above is complete`),
    );
  });

  it('prints the lifecycle trees, the unexplained closes, the close table and a snapshot line, in 100 columns', async () => {
    const result = await runDemo();
    expect(result.status, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toContain('spans recorded in memory');
    expect(out).toMatch(/^lifecycle instance_reload {2}instance_reload-\S+ {2}\d+\.\d ms$/m);
    expect(out).toMatch(/^lifecycle instance_dispose_all {2}instance_dispose_all-\S+ {2}\d+\.\d ms$/m);
    expect(out.match(/^ {2}[├└]─ run-\d+ +local_instance_(reload|dispose) /gm)).toHaveLength(7);
    expect(out).toContain('closes no action explains (unknown_scope_close): 2');
    expect(out).toMatch(/^local_instance_dispose\s+local_instance_dispose\.lifecycle_close\s+5$/m);
    expect(out).toMatch(
      /^closes since start: success=1 local_instance_reload=2 local_instance_dispose=5 unknown_scope_close=2$/m,
    );
    expect(out).toMatch(/^HTML view: demo-output\/lifecycle\.html \(open it in a browser\)$/m);
    const html = readFileSync(join(ROOT, 'demo-output', 'lifecycle.html'), 'utf8');
    expect(html).toContain('id="totals">2 lifecycle actions · 10 runs closed · 2 unexplained closes · ');
    expect(out).not.toMatch(/\u001b\[/);
    expect(out).not.toContain('/tmp/');
    expect(Math.max(...out.split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(100);
  });
});
