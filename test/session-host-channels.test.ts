// The example session host's channel-only variant: its store publishes on node:diagnostics_channel
// and imports nothing of the package, and the same scripted traffic gives the same lifecycle trees
// as the direct adoption (same actions, kinds and counts, same classification per run, same
// `run closed` children and links), compared by structure, never by ids or times.
import { tracingChannel } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { startSessionHost, type SessionHost, type SessionHostOptions } from '../examples/session-host/host.js';
import { idOf, setup, type Harness } from './utils/harness.js';
import { httpJson, ROOT, runDemo } from './utils/processes.js';

const harnesses: Harness[] = [];
const hosts: SessionHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
  for (const h of harnesses.splice(0)) h.lifecycle.disable();
});

async function started(options: SessionHostOptions): Promise<SessionHost> {
  const host = await startSessionHost(options);
  hosts.push(host);
  return host;
}

/** The script both variants run: every route that closes runs, a run that completes, a crash. */
async function traffic(host: SessionHost): Promise<Map<string, string>> {
  const post = async (path: string, body: Record<string, unknown> = {}) => {
    const { status, json } = await httpJson('POST', `${host.url}${path}`, body);
    expect(status, `${path} ${JSON.stringify(json)}`).toBe(200);
    return json as Record<string, string>;
  };
  const dirs = new Map<string, string>();
  for (const name of ['a', 'b', 'c', 'd', 'e']) dirs.set(name, (await post('/projects', { name })).directory!);
  const dir = (name: string) => dirs.get(name)!;
  const run = (name: string, extra: Record<string, unknown> = {}) =>
    post('/runs', { directory: dir(name), sessionId: `session-${name}`, ...extra });
  await run('a', { ms: 1 });
  for (const name of ['a', 'a', 'b', 'c', 'd', 'd', 'e']) await run(name);
  await new Promise((r) => setTimeout(r, 40)); // the 1 ms run completes
  await post('/reload', { directory: dir('a') });
  await post('/dispose', { directory: dir('b') });
  await post('/dispose-directory', { directory: dir('c') });
  await post('/crash', { directory: dir('e') });
  await run('a');
  await post('/dispose-all');
  await new Promise((r) => setTimeout(r, 20));
  return dirs;
}

type Shape = Record<string, unknown>;

/** The lifecycle trees with ids, times and raw scope keys replaced by what they stand for. */
function trees(h: Harness, dirs: Map<string, string>): Shape {
  const names = new Map([...dirs].map(([name, dir]) => [h.lifecycle.scopeKey(dir), name]));
  const actions = h.actionSpans().sort((x, y) => x.startTime[0] - y.startTime[0] || x.startTime[1] - y.startTime[1]);
  const actionOf = new Map(actions.map((a, i) => [a.attributes['session_host.lifecycle.action.id'], `action#${i}`]));
  const actionBySpan = new Map(actions.map((a, i) => [idOf(a), `action#${i}`]));
  const runIdBySpan = new Map(h.named('run').map((r) => [idOf(r), r.attributes['session_host.run.id']]));
  const value = (v: AttributeValue | undefined): unknown =>
    Array.isArray(v) ? v.map((x) => names.get(String(x)) ?? x).sort() : (actionOf.get(v) ?? names.get(String(v)) ?? v);
  // The run's outcome is the host's own word, compared apart (see the test).
  const attributes = (span: ReadableSpan) =>
    Object.fromEntries(
      Object.entries(span.attributes)
        .filter(([key]) => key !== 'session_host.run.outcome')
        .map(([key, v]) => [key, value(v)]),
    );
  const links = (span: ReadableSpan, by: Map<string, unknown>) =>
    span.links.map((l) => by.get(`${l.context.traceId}/${l.context.spanId}`) ?? 'unknown span');
  const byRunId = (x: Shape, y: Shape) => String(x.runId).localeCompare(String(y.runId));
  return {
    actions: actions.map((action) => ({
      name: action.name,
      parent: action.parentSpanContext?.spanId === undefined ? 'root' : 'child',
      status: action.status.code,
      attributes: attributes(action),
      children: h
        .named('run closed')
        .filter((c) => c.parentSpanContext?.spanId === action.spanContext().spanId)
        .map((c) => ({
          runId: c.attributes['session_host.run.id'],
          attributes: attributes(c),
          links: links(c, runIdBySpan),
        }))
        .sort(byRunId),
    })),
    runs: h
      .named('run')
      .map((r) => ({
        runId: r.attributes['session_host.run.id'],
        status: r.status.code,
        attributes: attributes(r),
        links: links(r, actionBySpan),
      }))
      .sort(byRunId),
    closedRunSpans: h.named('run closed').length,
  };
}

describe('the channel-only example host', () => {
  it('gives the same lifecycle trees as the direct adoption for the same traffic', async () => {
    const direct = setup();
    harnesses.push(direct);
    const directDirs = await traffic(await started({ lifecycle: direct.lifecycle }));
    const directTrees = trees(direct, directDirs);
    direct.lifecycle.disable();

    const viaChannels = setup();
    harnesses.push(viaChannels);
    const channelDirs = await traffic(await started({ channels: true }));
    const channelTrees = trees(viaChannels, channelDirs);

    expect(channelTrees).toEqual(directTrees);
    // Only the outcome each host states differs: the direct host ends an aborted run with
    // `{ outcome: 'error', error }`; on the channel the work rejects with the abort reason, which
    // the package records as `interrupted` (its classification is the same, as compared above).
    const outcomes = (h: Harness) => [...new Set(h.named('run').map((r) => r.attributes['session_host.run.outcome']))];
    expect(outcomes(direct).sort()).toEqual(['completed', 'error']);
    expect(outcomes(viaChannels).sort()).toEqual(['completed', 'interrupted']);
    // The comparison has substance: four actions, every kind of close, each child linked to its run.
    const actions = directTrees.actions as Array<{ name: string; children: Array<{ links: unknown[] }> }>;
    expect(actions.map((a) => a.name)).toEqual([
      'lifecycle instance_reload',
      'lifecycle instance_dispose',
      'lifecycle instance_dispose_directory',
      'lifecycle instance_dispose_all',
    ]);
    expect(actions.map((a) => a.children.length)).toEqual([2, 1, 1, 3]);
    expect(actions.flatMap((a) => a.children.map((c) => c.links.length))).toEqual([1, 1, 1, 1, 1, 1, 1]);
    const runs = directTrees.runs as Array<{ attributes: Record<string, unknown> }>;
    const counts: Record<string, number> = {};
    for (const r of runs) {
      const c = String(r.attributes['session_host.close.classification']);
      counts[c] = (counts[c] ?? 0) + 1;
    }
    expect(counts).toEqual({ success: 1, local_instance_reload: 2, local_instance_dispose: 5, unknown_scope_close: 1 });
    expect(JSON.stringify(channelTrees)).not.toContain('/');
  });

  it('works the same with nobody listening: runs are aborted, and nothing is recorded', async () => {
    const h = setup();
    harnesses.push(h);
    h.lifecycle.disable();
    const host = await started({ channels: true });
    const dirs = await traffic(host);
    expect(dirs.size).toBe(5);
    const states = Object.values((await httpJson('GET', `${host.url}/runs`)).json as Record<string, string>);
    expect(states.filter((s) => s === 'aborted')).toHaveLength(8);
    expect(states.filter((s) => s === 'completed')).toHaveLength(1);
    expect(h.spans()).toEqual([]);
  });

  it('serves the snapshot the process entry hands it, and answers 404 without one', async () => {
    const h = setup();
    harnesses.push(h);
    const withSnapshot = await started({ channels: true, snapshot: () => h.lifecycle.snapshot() });
    expect((await httpJson('GET', `${withSnapshot.url}/debug/lifecycle`)).json).toMatchObject({ schema_version: 1 });
    const without = await started({ channels: true });
    expect((await httpJson('GET', `${without.url}/debug/lifecycle`)).status).toBe(404);
  });

  // `start.hasSubscribers`, because Bun's TracingChannel has no `hasSubscribers` of its own.
  it("makes the store's guard, start.hasSubscribers, true exactly while an instrumentation is enabled", () => {
    const guards = () =>
      ['session_host:lifecycle', 'session_host:run'].map((name) => tracingChannel(name).start.hasSubscribers);
    expect(guards()).toEqual([false, false]);
    const h = setup();
    harnesses.push(h);
    expect(guards()).toEqual([true, true]);
    h.lifecycle.disable();
    expect(guards()).toEqual([false, false]);
    h.lifecycle.enable();
    expect(guards()).toEqual([true, true]);
  });

  it('imports nothing of the package in its store and routes (types only in the routes)', () => {
    const importsOf = (file: string) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^import (type )?.*from '([^']+)';$/gm)].map(
        ([, type, from]) => `${type ?? ''}${from}`,
      );
    expect(importsOf('examples/session-host/channel-store.ts')).toEqual([
      'node:diagnostics_channel',
      '../instance-store.js',
    ]);
    expect(importsOf('examples/instance-store.ts')).toEqual([]);
    expect(importsOf('examples/session-host/host.ts').filter((i) => i.includes('otel-session-lifecycle'))).toEqual([
      'type otel-session-lifecycle',
    ]);
  });
});

describe('npm run demo -- --channels', () => {
  it('prints the same trees and counts as the default demo, from the channel-only host', async () => {
    const result = await runDemo(['--channels']);
    expect(result.status, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toContain('channel-only host: its store publishes on node:diagnostics_channel');
    expect(out).toMatch(/^lifecycle instance_reload {2}instance_reload-\S+ {2}\d+\.\d ms$/m);
    expect(out).toMatch(/^lifecycle instance_dispose_all {2}instance_dispose_all-\S+ {2}\d+\.\d ms$/m);
    expect(out.match(/^ {2}[├└]─ run-\d+ +local_instance_(reload|dispose) +context /gm)).toHaveLength(7);
    expect(out).toContain('closes no action explains (unknown_scope_close): 2');
    expect(out).toMatch(
      /^closes since start: success=1 local_instance_reload=2 local_instance_dispose=5 unknown_scope_close=2$/m,
    );
  });
});
