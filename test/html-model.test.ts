// The HTML view's data, without a browser: the view model counts each run once whichever evidence
// it comes from, the embedded JSON cannot end its <script> element, and bad input says so.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LifecycleSnapshot } from '../src/index.js';
import { jsonForScript } from '../src/view/html-escape.js';
import {
  lifecycleDataFromFiles,
  renderLifecycleHtml,
  spansFromOtlpJson,
  type SnapshotLike,
} from '../src/view/index.js';
import { buildViewModel } from '../src/view/model.js';
import { ROW, VIA } from '../src/view/row.js';
import { hostRun, setup } from './utils/harness.js';
import { synthFanout } from '../support/otlp-synth.js';

const FIXTURE = readFileSync(new URL('./fixtures/otlp-fanout.json', import.meta.url), 'utf8');
const embedded = (html: string) =>
  JSON.parse(/<script type="application\/json" id="lifecycle-data">(.*?)<\/script>/s.exec(html)![1]!);

describe('the view model', () => {
  it('puts every closed run of the recorded fan-out under its action, linked to its run span', () => {
    const spans = spansFromOtlpJson(FIXTURE);
    const model = buildViewModel(spans, []);
    expect(model.actions).toHaveLength(1);
    const [action] = model.actions;
    expect(action!.groups.map((g) => [g.classification, g.rows.length])).toEqual([['local_instance_dispose', 12]]);
    for (const row of action!.groups[0]!.rows) {
      const run = spans.find((s) => s.name === 'run' && s.attributes['session_host.run.id'] === row[ROW.runId])!;
      expect([model.strings[row[ROW.runTrace]], row[ROW.runSpan], row[ROW.via]]).toEqual([
        run.traceId,
        run.spanId,
        VIA.childAndRun,
      ]);
      expect(model.strings[row[ROW.scope]]).toBe(run.attributes['session_host.scope.key']);
    }
    expect(model.totals).toMatchObject({ actions: 1, runs: 12, unexplained: 0, spans: 25 });
  });

  it('puts a closed-run child without an action id under its parent action', () => {
    const spans = spansFromOtlpJson(FIXTURE).map((s) =>
      s.name === 'run closed'
        ? { ...s, attributes: { ...s.attributes, 'session_host.lifecycle.action.id': undefined } }
        : s,
    );
    const model = buildViewModel(spans, []);
    expect(model.actions.map((a) => a.groups[0]!.rows.length)).toEqual([12]);
    expect(model.outside).toEqual([]);
  });

  it('keeps runs past the fan-out cap under their action, from the action id on their run span', () => {
    const model = buildViewModel(spansFromOtlpJson(synthFanout({ runs: 30, cap: 10, unexplained: 2 })), []);
    const rows = model.actions[0]!.groups[0]!.rows;
    expect(rows).toHaveLength(30);
    expect(rows.filter((r) => r[ROW.via] === VIA.runOnly)).toHaveLength(20);
    expect(model.actions[0]!.omitted).toBe(20);
    expect(model.outside.map((g) => [g.classification, g.rows.length])).toEqual([['unknown_scope_close', 2]]);
    expect(model.table).toEqual([
      { classification: 'local_instance_dispose', summaryKey: 'local_instance_dispose.lifecycle_close', runs: 30 },
      {
        classification: 'unknown_scope_close',
        summaryKey: 'unknown_scope_close.missing_lifecycle_provenance',
        runs: 2,
      },
    ]);
  });

  it('takes a snapshot as it is, and counts a close found in both the spans and the snapshot once', async () => {
    const h = setup();
    const runs = ['a', 'b'].map((id) => hostRun(h.lifecycle, '/srv/x', id));
    await h.lifecycle.action('instance_reload', { scopes: ['/srv/x'] }, async () => {
      for (const r of runs) r.controller.abort();
      await Promise.all(runs.map((r) => r.ended));
    });
    const snapshot: LifecycleSnapshot = h.lifecycle.snapshot();
    const typed: SnapshotLike = snapshot;
    const both = embedded(renderLifecycleHtml({ spans: h.spans(), snapshots: [typed] }));
    expect(both.totals).toMatchObject({ actions: 1, runs: 2, snapshots: 1 });
    const only = embedded(renderLifecycleHtml({ spans: [], snapshots: [snapshot] }));
    expect(only.totals).toMatchObject({ actions: 1, runs: 2 });
    expect(only.actions[0]).toMatchObject({ kind: 'instance_reload', ref: '', durationMs: -1 });
    expect(() => renderLifecycleHtml('spans' as never)).toThrow(TypeError);
  });
});

describe('reading files', () => {
  it('keeps a span found in several files once, and names the file that is not trace data', () => {
    const data = lifecycleDataFromFiles([
      { name: 'a.json', text: FIXTURE },
      { name: 'b.json', text: FIXTURE.trimEnd() },
    ]);
    expect(data.spans).toHaveLength(25);
    expect(() =>
      lifecycleDataFromFiles([
        { name: 'a.json', text: FIXTURE },
        { name: 'b.json', text: '{"resourceMetrics":[]}' },
      ]),
    ).toThrow('b.json is not OTLP/JSON trace data (no resourceSpans) nor a snapshot');
    expect(() => lifecycleDataFromFiles([{ name: 'c.json', text: FIXTURE.slice(0, 100) }])).toThrow(
      'c.json is not OTLP/JSON trace data (truncated JSON: the data ends too soon)',
    );
    expect(() => lifecycleDataFromFiles([{ name: 'd.json', text: '' }])).toThrow(
      'd.json is not OTLP/JSON trace data (empty input)',
    );
  });
});

describe('embedded JSON', () => {
  it('cannot end or open an element, and reads back unchanged', () => {
    const value = { s: '</script><!-- <script>&\u2028\u2029 "q"' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
