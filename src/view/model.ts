// The view model of lifecycle data, which the terminal view (tree.ts) and the HTML view (html.ts)
// both render: each action with its closed runs grouped by classification, the closes outside any
// action, and the close table. Every run is one row, whichever evidence it comes from (a closed-run
// child, the run's own span, a snapshot close). Compact and JSON-serializable: the HTML view embeds
// it and renders run rows from it on demand. The steps: classify spans (span-roles.ts), find each
// run once (run-evidence.ts), group by action (action-groups.ts), lay out rows (run-rows.ts), count
// (counts.ts).
import { readOption } from '../host-input.js';
import { actionIdsBySpan, groupByAction, type ActionFacts } from './action-groups.js';
import { closeCounts, runTotals, snapshotTotals, type CloseCount } from './counts.js';
import { readSnapshot, type LifecycleData } from './inputs.js';
import { toTreeSpan, type ReadableSpanLike, type TreeSpan } from './otlp-json.js';
import { runsOfSpans, withSnapshotCloses } from './run-evidence.js';
import { groupsOf, type ViewGroup } from './run-rows.js';
import { spansByRole } from './span-roles.js';
import type { SnapshotLike } from '../snapshot-format.js';

export interface ViewAction extends ActionFacts {
  readonly groups: ViewGroup[];
}

export interface ViewModel {
  /** The string table rows index into; `strings[0]` is ''. */
  readonly strings: string[];
  readonly start: number;
  readonly end: number;
  readonly actions: ViewAction[];
  /** Closes no action in the data explains or names, by classification. */
  readonly outside: ViewGroup[];
  readonly table: CloseCount[];
  readonly totals: { spans: number; actions: number; runs: number; unexplained: number; snapshots: number };
  /** Closes since start by classification, summed over the snapshots given. */
  readonly snapshotTotals: Array<[string, number]>;
}

/** What a view is made of: spans (SDK `ReadableSpan`s or `TreeSpan`s), or spans with diagnostics snapshots. */
export type LifecycleViewInput = ReadonlyArray<TreeSpan | ReadableSpanLike> | LifecycleData;

function stringTable(): { strings: string[]; intern: (value: unknown) => number } {
  const strings: string[] = [''];
  const index = new Map<string, number>([['', 0]]);
  const intern = (value: unknown): number => {
    const s = typeof value === 'string' ? value : value === undefined ? '' : String(value);
    let i = index.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      index.set(s, i);
    }
    return i;
  };
  return { strings, intern };
}

/** Builds the view model. Spans are expected unique (the readers drop repeats; `viewModelOf` does too). */
export function buildViewModel(spans: readonly TreeSpan[], snapshots: readonly SnapshotLike[]): ViewModel {
  const { strings, intern } = stringTable();
  const roles = spansByRole(spans);
  const runs = withSnapshotCloses(runsOfSpans(roles, actionIdsBySpan(roles.actions)), snapshots);
  const grouped = groupByAction(roles.actions, runs);
  const actions = grouped.actions.map(({ action, runs: own }) => ({
    ...action,
    groups: groupsOf(own, action.ref, intern),
  }));
  const outside = groupsOf(grouped.outside, '', intern);
  const table = closeCounts([...actions.flatMap((a) => a.groups), ...outside], strings);
  const timed = actions.filter((a) => a.start >= 0);
  const first = timed[0]?.start ?? 0;
  return {
    strings,
    start: timed.reduce((min, a) => Math.min(min, a.start), first),
    end: timed.reduce((max, a) => Math.max(max, a.start + Math.max(0, a.durationMs)), first),
    actions,
    outside,
    table,
    totals: { spans: spans.length, actions: actions.length, ...runTotals(table), snapshots: snapshots.length },
    snapshotTotals: snapshotTotals(snapshots),
  };
}

/**
 * The model of any view input: spans in any accepted shape (a span given twice kept once) and
 * snapshots read defensively. Throws a `TypeError` naming `caller` for input that is neither.
 */
export function viewModelOf(input: LifecycleViewInput, caller: string): ViewModel {
  const given = Array.isArray(input) ? input : readOption(input, 'spans');
  if (!Array.isArray(given))
    throw new TypeError(`otel-session-lifecycle: ${caller} takes spans or { spans, snapshots }`);
  const seen = new Set<string>();
  const spans: TreeSpan[] = [];
  for (const span of (given as LifecycleData['spans']).map((s) => toTreeSpan(s))) {
    const id = `${span.traceId}/${span.spanId}`;
    if (!seen.has(id)) spans.push(span);
    seen.add(id);
  }
  const snapshots = Array.isArray(input) ? [] : readOption(input, 'snapshots');
  return buildViewModel(spans, Array.isArray(snapshots) ? snapshots.map(readSnapshot) : []);
}
