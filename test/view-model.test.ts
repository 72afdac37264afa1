// The view model's steps, each alone: which spans are what (span-roles), each run once whatever
// the evidence (run-evidence), runs under the action that closed them (action-groups), and the
// counts (counts).
import { describe, expect, it } from 'vitest';
import { actionIdsBySpan, groupByAction } from '../src/view/action-groups.js';
import { closeCounts, runTotals, snapshotTotals } from '../src/view/counts.js';
import type { TreeSpan } from '../src/view/index.js';
import { ROW } from '../src/view/row.js';
import { runsOfSpans, withSnapshotCloses, type RunEvidence } from '../src/view/run-evidence.js';
import { groupsOf } from '../src/view/run-rows.js';
import { spanRole, spansByRole } from '../src/view/span-roles.js';

const span = (over: Partial<TreeSpan> & Pick<TreeSpan, 'spanId' | 'name'>): TreeSpan => ({
  traceId: 't'.repeat(32),
  parentSpanId: undefined,
  attributes: {},
  links: [],
  startTimeMs: 1000,
  durationMs: 5,
  ...over,
});
const ACTION = span({
  spanId: 'a1',
  name: 'lifecycle instance_reload',
  attributes: { 'session_host.lifecycle.action.id': 'act-1', 'session_host.lifecycle.kind': 'instance_reload' },
});
const close = (runId: string, actionId?: string) => ({
  'session_host.run.id': runId,
  'session_host.close.classification': 'local_instance_reload',
  'session_host.close.summary_key': 'local_instance_reload.lifecycle_close',
  ...(actionId === undefined ? {} : { 'session_host.lifecycle.action.id': actionId }),
});
const run = (id: string, runId: string, actionId?: string) =>
  span({ traceId: 'r'.repeat(32), spanId: id, name: 'run', attributes: close(runId, actionId) });
const child = (id: string, runId: string, linkTo?: string, actionId?: string) =>
  span({
    spanId: id,
    name: 'run closed',
    parentSpanId: 'a1',
    attributes: close(runId, actionId),
    links: linkTo === undefined ? [] : [{ traceId: 'r'.repeat(32), spanId: linkTo, relation: 'closed_run' }],
  });

describe('span roles', () => {
  it('tells actions, closed-run children, run spans (a host span carrying a close too) and the rest apart', () => {
    const hostSpan = span({ spanId: 'h', name: 'agent.loop', attributes: close('r9') });
    const notAction = span({ spanId: 'x', name: 'lifecycle notes' });
    expect([ACTION, child('c', 'r'), run('r', 'r'), hostSpan, notAction].map(spanRole)).toEqual([
      'action',
      'closed_run',
      'run',
      'run',
      'other',
    ]);
    const later = span({ ...ACTION, spanId: 'a0', startTimeMs: 500 });
    expect(spansByRole([ACTION, later]).actions.map((s) => s.spanId)).toEqual(['a0', 'a1']);
  });
});

describe('run evidence', () => {
  const evidence = (spans: TreeSpan[]): RunEvidence[] => {
    const roles = spansByRole(spans);
    return runsOfSpans(roles, actionIdsBySpan(roles.actions));
  };
  const shape = (e: RunEvidence) => [e.runId, e.actionId, e.child?.spanId ?? '-', e.run?.spanId ?? '-'];

  it('makes one run of a child and the run span it links to', () => {
    expect(evidence([ACTION, child('c1', 'r1', 's1'), run('s1', 'r1', 'act-1')]).map(shape)).toEqual([
      ['r1', 'act-1', 'c1', 's1'],
    ]);
  });

  it('makes one run of a child whose link was lost and the run span of the same action and run id', () => {
    expect(evidence([ACTION, child('c1', 'r1'), run('s1', 'r1', 'act-1')]).map(shape)).toEqual([
      ['r1', 'act-1', 'c1', 's1'],
    ]);
    // Another action's run of the same id is another run.
    expect(evidence([ACTION, child('c1', 'r1'), run('s1', 'r1', 'act-2')]).map(shape)).toEqual([
      ['r1', 'act-1', 'c1', '-'],
      ['r1', 'act-2', '-', 's1'],
    ]);
  });

  it('keeps a child without its run span, and a run span without a child, as one run each', () => {
    expect(evidence([child('c1', 'r1', 'gone', 'act-1'), run('s2', 'r2', 'act-1')]).map(shape)).toEqual([
      ['r1', 'act-1', 'c1', '-'],
      ['r2', 'act-1', '-', 's2'],
    ]);
  });

  it('adds a snapshot close only when the spans do not hold it, and a close in two snapshots once', () => {
    const spans = evidence([ACTION, child('c1', 'r1', 's1'), run('s1', 'r1', 'act-1')]);
    const snapshotClose = (runId: string) => ({
      run_id: runId,
      scope_key: 'dir:0123456789abcdef',
      classification: 'local_instance_reload',
      summary_key: 'local_instance_reload.lifecycle_close',
      action_id: 'act-1',
    });
    const snapshot = { schema_version: 1, recent_closes: [snapshotClose('r1'), snapshotClose('r2')] };
    const all = withSnapshotCloses(spans, [snapshot, snapshot]);
    expect(all.map((e) => [e.runId, e.snapshot === undefined ? 'span' : 'snapshot'])).toEqual([
      ['r1', 'span'],
      ['r2', 'snapshot'],
    ]);
  });
});

describe('grouping by action', () => {
  it('keeps an action known only from its runs, starting at the earliest of them, and the runs outside', () => {
    const e = (runId: string, actionId: string, at: number, kind = ''): RunEvidence => ({
      runId,
      actionId,
      kind,
      classification: 'local_instance_dispose',
      at,
    });
    const { actions, outside } = groupByAction(
      [ACTION],
      [e('r1', 'act-2', 3000), e('r2', 'act-2', 2000, 'instance_dispose'), e('r3', '', 10), e('r4', 'act-1', 1)],
    );
    expect(actions.map((a) => [a.action.id, a.action.kind, a.action.start, a.action.ref, a.runs.length])).toEqual([
      ['act-1', 'instance_reload', 1000, `${'t'.repeat(32)}/a1`, 1],
      ['act-2', 'instance_dispose', 2000, '', 2],
    ]);
    expect(outside.map((r) => r.runId)).toEqual(['r3']);
  });
});

describe('counting', () => {
  it('counts rows by classification and summary key, unexplained closes apart', () => {
    const strings: string[] = [''];
    const intern = (v: unknown) => strings.push(String(v ?? '')) - 1;
    const e = (runId: string, classification: string): RunEvidence => ({
      runId,
      actionId: '',
      kind: '',
      classification,
      at: -1,
      snapshot: { run_id: runId, scope_key: '', classification, summary_key: `${classification}.x` },
    });
    const groups = groupsOf([e('r10', 'error'), e('r2', 'unknown_scope_close'), e('r9', 'error')], '', intern);
    expect(groups.map((g) => [g.classification, g.rows.map((r) => r[ROW.runId])])).toEqual([
      ['unknown_scope_close', ['r2']],
      ['error', ['r9', 'r10']],
    ]);
    const counts = closeCounts(groups, strings);
    expect(counts).toEqual([
      { classification: 'error', summaryKey: 'error.x', runs: 2 },
      { classification: 'unknown_scope_close', summaryKey: 'unknown_scope_close.x', runs: 1 },
    ]);
    expect(runTotals(counts)).toEqual({ runs: 3, unexplained: 1 });
    expect(snapshotTotals([{ closes_by_classification: { error: 2, success: 0 } }, {}])).toEqual([['error', 2]]);
  });
});
