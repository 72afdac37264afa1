import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCloseTable, renderLifecycleTree, spansFromOtlpJson, toTreeSpan } from '../src/view/index.js';
import { hostRun, setup } from './utils/harness.js';
import { synthFanout } from '../support/otlp-synth.js';

const ANSI = /\u001b\[/;
const widths = (text: string) => text.split('\n').map((l) => [...l.replace(/\u001b\[[0-9;]*m/g, '')].length);

async function scenario() {
  const h = setup();
  const runs = ['run-3', 'run-10', 'run-1'].map((id, i) => hostRun(h.lifecycle, `/tmp/r/${i}`, id));
  await h.lifecycle.action('instance_dispose_all', async () => {
    for (const r of runs) r.controller.abort();
    await Promise.all(runs.map((r) => r.ended));
  });
  const lost = hostRun(h.lifecycle, '/tmp/r/lost', 'run-lost');
  lost.controller.abort(new TypeError('x'));
  await lost.ended;
  h.lifecycle.trackRun({ runId: 'run-ok', scope: '/tmp/r/0' }).end();
  return h;
}

describe('renderLifecycleTree', () => {
  it('shows each action with its children in run order, each linked to its run, then the unexplained closes', async () => {
    const h = await scenario();
    const text = renderLifecycleTree(h.spans());
    const lines = text.split('\n');
    const root = h.actionSpans()[0]!;
    expect(lines[0]).toMatch(
      new RegExp(
        `^lifecycle instance_dispose_all  ${root.attributes['session_host.lifecycle.action.id']}  \\d+\\.\\d ms$`,
      ),
    );
    expect(lines[1]).toContain('3 runs interrupted');
    const children = lines.filter((l) => /^ {2}[├└]─ /.test(l));
    expect(children.map((l) => l.slice(5, 17).trim())).toEqual(['run-1', 'run-3', 'run-10']);
    expect(children.at(-1)!.startsWith('  └─ ')).toBe(true);
    for (const l of children) {
      const runId = l.slice(5, 17).trim();
      const run = h.runSpan(runId).spanContext();
      expect(l).toContain(`→ ${run.traceId.slice(0, 8)}/${run.spanId.slice(0, 8)}`);
      expect(l).toContain('local_instance_dispose');
      expect(l).toMatch(/run \d+\.\d ms$/);
    }
    expect(text).toContain('closes no action explains (unknown_scope_close): 1');
    expect(lines.find((l) => l.includes('✗ run-lost'))).toContain('TypeError');
    expect(text).not.toMatch(ANSI);
  });

  it('colours only when asked, and keeps every line within the width', async () => {
    const h = await scenario();
    expect(renderLifecycleTree(h.spans(), { color: true })).toMatch(ANSI);
    for (const width of [100, 60]) {
      for (const text of [
        renderLifecycleTree(h.spans(), { width, color: true }),
        renderCloseTable(h.spans(), { width }),
      ]) {
        expect(Math.max(...widths(text))).toBeLessThanOrEqual(width);
      }
    }
    expect(Math.max(...widths(renderLifecycleTree(h.spans(), { width: 60 })))).toBe(60);
  });

  it('cuts a long fingerprint with an ellipsis and keeps a space before the next column', () => {
    const run = (id: string, fingerprint: string) => ({
      traceId: 'a'.repeat(32),
      spanId: id.padEnd(16, '0'),
      parentSpanId: undefined,
      name: 'run',
      links: [],
      startTimeMs: 0,
      durationMs: 5,
      attributes: {
        'session_host.run.id': `run-${id}`,
        'session_host.scope.key': 'dir:0123456789abcdef',
        'session_host.close.classification': 'unknown_scope_close',
        'session_host.close.summary_key': 'unknown_scope_close.missing_lifecycle_provenance',
        'session_host.run.error.fingerprint': fingerprint,
      },
    });
    const lines = renderLifecycleTree([
      run('1', 'DOMException'),
      run('2', 'VeryLongErrorNameForAFailure:ERR_A_VERY_LONG_CODE'),
    ]).split('\n');
    const short = lines.find((l) => l.includes('run-1 '))!;
    const long = lines.find((l) => l.includes('run-2 '))!;
    expect(long).toContain(' VeryLongErrorN… 5.0 ms ');
    expect(long.indexOf('5.0 ms')).toBe(short.indexOf('5.0 ms'));
  });

  it('names the run span of each closed run, whether the data holds it or only the link to it', () => {
    const request = synthFanout({ runs: 3, cap: 2 });
    const all = spansFromOtlpJson(request);
    const runSpan = (runId: string) =>
      all.find((s) => s.name === 'run' && s.attributes['session_host.run.id'] === runId)!;
    const ids = (runId: string) => `${runSpan(runId).traceId.slice(0, 8)}/${runSpan(runId).spanId.slice(0, 8)}`;
    // Only the lifecycle trace, as a backend returns one trace: the children's links still name the runs.
    const lifecycleTrace = all.filter((s) => s.traceId === all[0]!.traceId);
    const rows = renderLifecycleTree(lifecycleTrace)
      .split('\n')
      .filter((l) => /^ {2}[├└]─ /.test(l));
    expect(rows.map((l) => l.slice(5, 17).trim())).toEqual(['run-0', 'run-1']);
    expect(rows[0]).toMatch(new RegExp(`→ ${ids('run-0')}$`));
    // All of it: the run past the cap shows from its own span, without a closed-run child.
    const full = renderLifecycleTree(all)
      .split('\n')
      .filter((l) => /^ {2}[├└]─ /.test(l));
    expect(full).toHaveLength(3);
    expect(full[0]).toMatch(new RegExp(`→ ${ids('run-0')}  run \\d+\\.\\d ms$`));
    expect(full[2]).toMatch(new RegExp(`no child  → ${ids('run-2')}  run \\d+\\.\\d ms$`));
  });

  it('says so when there is nothing to show', () => {
    expect(renderLifecycleTree([])).toContain('no lifecycle actions and no unexplained closes');
    expect(renderCloseTable([])).toContain('(no run closes)');
  });
});

describe('renderCloseTable', () => {
  it('counts run spans (not closed-run children) by classification and summary key', async () => {
    const h = await scenario();
    const rows = renderCloseTable(h.spans()).trim().split('\n');
    expect(rows[0]).toMatch(/^classification\s+summary key\s+runs$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/))).toEqual([
      ['local_instance_dispose', 'local_instance_dispose.lifecycle_close', '3'],
      ['success', 'success.completed', '1'],
      ['unknown_scope_close', 'unknown_scope_close.missing_lifecycle_provenance', '1'],
    ]);
  });
});

describe('spansFromOtlpJson', () => {
  const recorded = readFileSync(new URL('./fixtures/otlp-fanout.json', import.meta.url), 'utf8');

  it('reads a recorded OTLP/HTTP JSON request body', () => {
    const spans = spansFromOtlpJson(recorded);
    expect(spans).toHaveLength(25);
    const root = spans.find((s) => s.name === 'lifecycle instance_dispose_all')!;
    expect(root.parentSpanId).toBeUndefined();
    expect(root.attributes['session_host.lifecycle.runs_interrupted']).toBe(12);
    expect(root.attributes['session_host.lifecycle.scope_keys']).toHaveLength(3);
    const children = spans.filter((s) => s.parentSpanId === root.spanId);
    expect(children).toHaveLength(12);
    for (const child of children) {
      const run = spans.find(
        (s) => s.name === 'run' && s.attributes['session_host.run.id'] === child.attributes['session_host.run.id'],
      )!;
      expect(child.links).toEqual([{ traceId: run.traceId, spanId: run.spanId }]);
    }
    expect(root.durationMs).toBeGreaterThan(0);
  });

  it('reads the same data as JSON lines (the collector file exporter) and as parsed objects, once', () => {
    const request = JSON.parse(recorded) as { resourceSpans: unknown[] };
    const lines = [JSON.stringify(request), JSON.stringify({ resourceSpans: [] })].join('\n');
    expect(spansFromOtlpJson(lines)).toHaveLength(25);
    expect(spansFromOtlpJson([request, request])).toHaveLength(25);
  });

  it('rejects what is not OTLP/JSON trace data', () => {
    expect(() => spansFromOtlpJson('{"resourceMetrics": []}')).toThrow(/no resourceSpans/);
    expect(() => spansFromOtlpJson('{"resourceSpans": []}\nnot json')).toThrow(/line 2 is not JSON/);
  });

  it('renders the same tree from OTLP/JSON as from SDK spans', async () => {
    const h = await scenario();
    const tree = h.spans().map(toTreeSpan);
    expect(renderLifecycleTree(tree)).toBe(renderLifecycleTree(h.spans()));
  });
});
