// The terminal view and the HTML view render one model: on a dispose-all whose run spans were
// sampled out (only the `run closed` children reached the backend), on one whose lifecycle trace
// was (only the run spans did), and on one with both, they give the same numbers: runs by
// classification, runs per action, unexplained closes. A run found through its own span and
// through its `run closed` child counts once.
import { describe, expect, it } from 'vitest';
import { renderCloseTable, renderLifecycleHtml, renderLifecycleTree, spansFromOtlpJson } from '../src/view/index.js';
import type { ViewModel } from '../src/view/model.js';
import { synthFanout } from '../support/otlp-synth.js';

interface Numbers {
  byClassification: Record<string, number>;
  byAction: Record<string, number>;
  unexplained: number;
}

function terminal(spans: ReturnType<typeof spansFromOtlpJson>): Numbers {
  const table = renderCloseTable(spans, { width: 120 }).trim().split('\n').slice(1);
  const byClassification = Object.fromEntries(table.map((l) => l.split(/\s+/)).map((c) => [c[0]!, Number(c.at(-1))]));
  const byAction: Record<string, number> = {};
  let action = '';
  const tree = renderLifecycleTree(spans, { width: 120 });
  for (const line of tree.split('\n')) {
    const header = /^lifecycle \S+ {2}(\S+)/.exec(line);
    if (header !== null) byAction[(action = header[1]!)] = 0;
    else if (/^ {2}[├└]─ /.test(line)) byAction[action]!++;
  }
  const unexplained = /closes no action explains \(unknown_scope_close\): (\d+)/.exec(tree);
  return { byClassification, byAction, unexplained: unexplained === null ? 0 : Number(unexplained[1]) };
}

function html(spans: ReturnType<typeof spansFromOtlpJson>): Numbers {
  const page = renderLifecycleHtml(spans);
  const model = JSON.parse(
    /<script type="application\/json" id="lifecycle-data">(.*?)<\/script>/s.exec(page)![1]!,
  ) as ViewModel;
  // The close table is server-rendered markup: read it from the page, not from the model.
  const rows = [...page.matchAll(/data-classification="([^"]+)">.*?<td class="num runs">(\d+)<\/td>/g)];
  const byAction = Object.fromEntries(
    model.actions.map((a) => [a.id, a.groups.reduce((n, g) => n + g.rows.length, 0)]),
  );
  return {
    byClassification: Object.fromEntries(rows.map((r) => [r[1]!, Number(r[2])])),
    byAction,
    unexplained: model.totals.unexplained,
  };
}

const ACTION = 'instance_dispose_all-mx1abc-1';
const EXPECTED: Numbers = {
  byClassification: { local_instance_dispose: 4, unknown_scope_close: 2 },
  byAction: { [ACTION]: 4 },
  unexplained: 2,
};

describe('the terminal and HTML views', () => {
  for (const [name, omit] of [
    ['closed-run children only (run spans sampled out)', 'runs'],
    ['run spans only (lifecycle trace sampled out)', 'lifecycle'],
    ['closed-run children and run spans', undefined],
  ] as const) {
    it(`give the same numbers on ${name}`, () => {
      const spans = spansFromOtlpJson(synthFanout({ runs: 4, unexplained: 2, ...(omit ? { omit } : {}) }));
      expect(terminal(spans)).toEqual(EXPECTED);
      expect(html(spans)).toEqual(EXPECTED);
    });
  }

  it('count a run once when both its span and its closed-run child are in the data, in any order', () => {
    const spans = spansFromOtlpJson(synthFanout({ runs: 4, unexplained: 2 }));
    const reversed = [...spans].reverse();
    expect(terminal(reversed)).toEqual(EXPECTED);
    expect(html(reversed)).toEqual(EXPECTED);
  });
});
