// The view model of lifecycle data: each action with its closed runs grouped by classification,
// the closes outside any action, and the close table. Every run is one row, whichever evidence
// it comes from (a closed-run child, the run's own span, a snapshot close). Compact and
// JSON-serializable: the HTML view embeds it and renders run rows from it on demand.
import {
  ATTR_ACTION_ID,
  ATTR_ACTION_OUTCOME,
  ATTR_CLOSE_CLASSIFICATION,
  ATTR_CLOSE_PROVENANCE,
  ATTR_CLOSE_SUMMARY_KEY,
  ATTR_LIFECYCLE_KIND,
  ATTR_ACTION_ORIGIN,
  ATTR_ACTION_REASON,
  ATTR_RUN_ERROR_FINGERPRINT,
  ATTR_RUN_ID,
  ATTR_RUN_OUTCOME,
  ATTR_RUNS_INTERRUPTED,
  ATTR_RUNS_OMITTED,
  ATTR_SCOPE_KEY,
  ATTR_SCOPE_KEYS,
  ATTR_SESSION_ID,
  LINK_RELATION_CLOSED_BY,
  LINK_RELATION_CLOSED_RUN,
  SPAN_NAME_ACTION_PREFIX,
  SPAN_NAME_CLOSED_RUN,
} from '../semconv.js';
import type { SnapshotCloseLike, SnapshotLike } from './inputs.js';
import type { TreeSpan } from './otlp-json.js';

/** Where a run row's evidence comes from. */
export const VIA_CHILD_AND_RUN = 0;
export const VIA_CHILD_ONLY = 1;
export const VIA_RUN_ONLY = 2;
export const VIA_SNAPSHOT = 3;

/**
 * One run: run id, then indexes into `strings` (session id, scope key), run and stop durations
 * in ms (-1 unknown), indexes (fingerprint, provenance, summary key, outcome), the closed-run
 * span (trace index, span id), the run span (trace index, span id; -1 and '' when absent), the
 * link back (1 the run span links to the action, 0 it does not, -1 no run span), and the evidence.
 */
export type RunRow = [
  runId: string,
  session: number,
  scope: number,
  runMs: number,
  stopMs: number,
  fingerprint: number,
  provenance: number,
  summaryKey: number,
  outcome: number,
  closedTrace: number,
  closedSpan: string,
  runTrace: number,
  runSpan: string,
  back: number,
  via: number,
];

export interface ViewGroup {
  readonly classification: string;
  readonly rows: RunRow[];
}

export interface ViewAction {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly reason: string;
  readonly origin: string;
  readonly outcome: string;
  /** ms since the epoch; -1 when only the action's runs are known. */
  readonly start: number;
  readonly durationMs: number;
  readonly scopeKeys: string[];
  readonly interrupted: number;
  readonly omitted: number;
  /** `traceId/spanId` of the action span, '' when no file holds it. */
  readonly ref: string;
  readonly groups: ViewGroup[];
}

export interface ViewModel {
  readonly strings: string[];
  readonly start: number;
  readonly end: number;
  readonly actions: ViewAction[];
  /** Closes no action in the data explains or names, by classification. */
  readonly outside: ViewGroup[];
  readonly table: Array<{ classification: string; summaryKey: string; runs: number }>;
  readonly totals: { spans: number; actions: number; runs: number; unexplained: number; snapshots: number };
  /** Closes since start by classification, summed over the snapshots given. */
  readonly snapshotTotals: Array<[string, number]>;
}

export const UNKNOWN_SCOPE_CLOSE = 'unknown_scope_close';
const collator = new Intl.Collator('en', { numeric: true });
const str = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : String(value));
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const ms = (value: number | undefined): number => (value === undefined ? -1 : Math.round(value * 10) / 10);
const isAction = (s: TreeSpan): boolean =>
  s.name.startsWith(SPAN_NAME_ACTION_PREFIX) && s.attributes[ATTR_ACTION_ID] !== undefined;
const isRunSpan = (s: TreeSpan): boolean =>
  s.name !== SPAN_NAME_CLOSED_RUN && typeof s.attributes[ATTR_CLOSE_CLASSIFICATION] === 'string';

/** Builds the view model. Spans are expected unique (the readers drop repeats). */
export function buildViewModel(spans: readonly TreeSpan[], snapshots: readonly SnapshotLike[]): ViewModel {
  const strings: string[] = [''];
  const index = new Map<string, number>([['', 0]]);
  const intern = (value: unknown): number => {
    const s = str(value);
    let i = index.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      index.set(s, i);
    }
    return i;
  };
  const actionSpans = spans.filter(isAction).sort((a, b) => a.startTimeMs - b.startTimeMs);
  interface Entry {
    action: Omit<ViewAction, 'groups'>;
    span?: TreeSpan;
    rows: Map<string, RunRow[]>;
  }
  const actions = new Map<string, Entry>();
  for (const span of actionSpans) {
    const a = span.attributes;
    const id = str(a[ATTR_ACTION_ID]);
    if (actions.has(id)) continue;
    actions.set(id, {
      span,
      rows: new Map(),
      action: {
        id,
        kind: str(a[ATTR_LIFECYCLE_KIND]) || span.name.slice(SPAN_NAME_ACTION_PREFIX.length),
        name: span.name,
        reason: str(a[ATTR_ACTION_REASON]),
        origin: str(a[ATTR_ACTION_ORIGIN]),
        outcome: str(a[ATTR_ACTION_OUTCOME]),
        start: span.startTimeMs,
        durationMs: ms(span.durationMs),
        scopeKeys: Array.isArray(a[ATTR_SCOPE_KEYS]) ? (a[ATTR_SCOPE_KEYS] as unknown[]).map(str) : [],
        interrupted: num(a[ATTR_RUNS_INTERRUPTED]),
        omitted: num(a[ATTR_RUNS_OMITTED]),
        ref: `${span.traceId}/${span.spanId}`,
      },
    });
  }
  // An action named by its runs but whose span no file holds (sampled out, or a snapshot).
  const actionFor = (id: string, kind: string, start: number) => {
    let entry = actions.get(id);
    if (entry === undefined) {
      const action = { id, kind, name: `${SPAN_NAME_ACTION_PREFIX}${kind}`, reason: '', origin: '', outcome: '' };
      const unseen = { start, durationMs: -1, scopeKeys: [], interrupted: 0, omitted: 0, ref: '' };
      entry = { rows: new Map(), action: { ...action, ...unseen } };
      actions.set(id, entry);
    } else if (entry.span === undefined && start >= 0 && (entry.action.start < 0 || start < entry.action.start)) {
      entry.action = { ...entry.action, start };
    }
    return entry;
  };
  const outside = new Map<string, RunRow[]>();
  const seenRuns = new Set<string>();
  const add = (actionId: string, kind: string, start: number, classification: string, row: RunRow) => {
    seenRuns.add(`${actionId}\u0000${row[0]}\u0000${classification}`);
    const groups = actionId === '' ? outside : actionFor(actionId, kind, start).rows;
    const rows = groups.get(classification);
    if (rows === undefined) groups.set(classification, [row]);
    else rows.push(row);
  };
  const actionBySpan = new Map<string, string>();
  for (const e of actions.values()) if (e.span !== undefined) actionBySpan.set(e.span.spanId, e.action.id);
  const runSpans = new Map<string, TreeSpan>();
  for (const s of spans) if (isRunSpan(s)) runSpans.set(s.spanId, s);
  const reported = new Set<TreeSpan>();
  const backLink = (run: TreeSpan | undefined, actionRef: string): number => {
    if (run === undefined) return -1;
    // With the action span in the data, the link must name it; without, any closed_by link counts.
    const target = actionRef === '' ? undefined : actionRef.slice(actionRef.indexOf('/') + 1);
    const back = (l: TreeSpan['links'][number]): boolean =>
      target === undefined
        ? l.relation === LINK_RELATION_CLOSED_BY
        : l.spanId === target && l.relation !== LINK_RELATION_CLOSED_RUN;
    return run.links.some(back) ? 1 : 0;
  };
  const rowOf = (c: TreeSpan | undefined, run: TreeSpan | undefined, actionRef: string): RunRow => {
    const a = { ...c?.attributes, ...run?.attributes };
    return [
      str(a[ATTR_RUN_ID]),
      intern(a[ATTR_SESSION_ID]),
      intern(a[ATTR_SCOPE_KEY]),
      run === undefined ? -1 : ms(run.durationMs),
      c === undefined ? -1 : ms(c.durationMs),
      intern(a[ATTR_RUN_ERROR_FINGERPRINT]),
      intern(a[ATTR_CLOSE_PROVENANCE]),
      intern(a[ATTR_CLOSE_SUMMARY_KEY]),
      intern(a[ATTR_RUN_OUTCOME]),
      c === undefined ? -1 : intern(c.traceId),
      c === undefined ? '' : c.spanId,
      run === undefined ? -1 : intern(run.traceId),
      run === undefined ? '' : run.spanId,
      backLink(run, actionRef),
      c === undefined ? VIA_RUN_ONLY : run === undefined ? VIA_CHILD_ONLY : VIA_CHILD_AND_RUN,
    ];
  };
  for (const c of spans) {
    if (c.name !== SPAN_NAME_CLOSED_RUN) continue;
    const link = c.links.find((l) => l.relation === LINK_RELATION_CLOSED_RUN) ?? c.links[0];
    const run = link === undefined ? undefined : runSpans.get(link.spanId);
    if (run !== undefined) reported.add(run);
    const parent = c.parentSpanId === undefined ? undefined : actionBySpan.get(c.parentSpanId);
    const id = str(c.attributes[ATTR_ACTION_ID]) || (parent ?? '');
    const ref = id === '' ? '' : actionFor(id, str(c.attributes[ATTR_LIFECYCLE_KIND]), c.startTimeMs).action.ref;
    const classification = str(c.attributes[ATTR_CLOSE_CLASSIFICATION] ?? run?.attributes[ATTR_CLOSE_CLASSIFICATION]);
    add(id, '', c.startTimeMs, classification, rowOf(c, run, ref));
  }
  for (const run of runSpans.values()) {
    if (reported.has(run)) continue;
    const id = str(run.attributes[ATTR_ACTION_ID]);
    const kind = str(run.attributes[ATTR_LIFECYCLE_KIND]);
    const ref = id === '' ? '' : actionFor(id, kind, run.startTimeMs).action.ref;
    add(id, kind, run.startTimeMs, str(run.attributes[ATTR_CLOSE_CLASSIFICATION]), rowOf(undefined, run, ref));
  }
  const snapshotTotals = new Map<string, number>();
  for (const snapshot of snapshots) {
    for (const close of snapshot.recent_closes) addSnapshotClose(close);
    for (const [name, n] of Object.entries(snapshot.closes_by_classification ?? {})) {
      snapshotTotals.set(name, (snapshotTotals.get(name) ?? 0) + n);
    }
  }
  function addSnapshotClose(close: SnapshotCloseLike): void {
    const actionId = close.action_id ?? '';
    if (seenRuns.has(`${actionId}\u0000${close.run_id}\u0000${close.classification}`)) return;
    const at = close.at === undefined ? NaN : Date.parse(close.at);
    const row: RunRow = [
      close.run_id,
      intern(close.session_id),
      intern(close.scope_key),
      ms(close.run_duration_ms),
      ms(close.stop_duration_ms),
      0,
      intern(close.provenance),
      intern(close.summary_key),
      intern(close.outcome),
      -1,
      '',
      -1,
      '',
      -1,
      VIA_SNAPSHOT,
    ];
    add(actionId, close.kind ?? '', Number.isNaN(at) ? -1 : at, close.classification, row);
  }
  const groupsOf = (rows: Map<string, RunRow[]>): ViewGroup[] =>
    [...rows.entries()]
      .map(([classification, list]) => ({ classification, rows: list.sort((x, y) => collator.compare(x[0], y[0])) }))
      .sort(
        (x, y) =>
          Number(y.classification === UNKNOWN_SCOPE_CLOSE) - Number(x.classification === UNKNOWN_SCOPE_CLOSE) ||
          y.rows.length - x.rows.length ||
          x.classification.localeCompare(y.classification),
      );
  const viewActions = [...actions.values()]
    .map(({ action, rows }) => ({ ...action, groups: groupsOf(rows) }))
    .sort((x, y) => x.start - y.start || x.id.localeCompare(y.id));
  const outsideGroups = groupsOf(outside);
  const table = new Map<string, { classification: string; summaryKey: string; runs: number }>();
  let runs = 0;
  for (const group of [...viewActions.flatMap((a) => a.groups), ...outsideGroups]) {
    for (const row of group.rows) {
      runs++;
      const summaryKey = strings[row[7]]!;
      const key = `${group.classification}\u0000${summaryKey}`;
      const entry = table.get(key) ?? { classification: group.classification, summaryKey, runs: 0 };
      entry.runs++;
      table.set(key, entry);
    }
  }
  const timed = viewActions.filter((a) => a.start >= 0);
  return {
    strings,
    start: timed.reduce((min, a) => Math.min(min, a.start), timed[0]?.start ?? 0),
    end: timed.reduce((max, a) => Math.max(max, a.start + Math.max(0, a.durationMs)), timed[0]?.start ?? 0),
    actions: viewActions,
    outside: outsideGroups,
    table: [...table.values()].sort((x, y) => y.runs - x.runs || x.classification.localeCompare(y.classification)),
    totals: {
      spans: spans.length,
      actions: viewActions.length,
      runs,
      unexplained: [...table.values()]
        .filter((r) => r.classification === UNKNOWN_SCOPE_CLOSE)
        .reduce((n, r) => n + r.runs, 0),
      snapshots: snapshots.length,
    },
    snapshotTotals: [...snapshotTotals.entries()].filter(([, n]) => n > 0),
  };
}
