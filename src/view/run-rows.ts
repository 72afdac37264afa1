// A closed run as a row of the view model (its layout is row.ts), and a list of runs as groups by
// classification: unexplained closes first, then the biggest groups, each group in run id order.
import {
  ATTR_CLOSE_PROVENANCE,
  ATTR_CLOSE_SUMMARY_KEY,
  ATTR_RUN_ERROR_FINGERPRINT,
  ATTR_RUN_OUTCOME,
  ATTR_SCOPE_KEY,
  ATTR_SESSION_ID,
  LINK_RELATION_CLOSED_BY,
  LINK_RELATION_CLOSED_RUN,
} from '../semconv.js';
import { roundMs } from './action-groups.js';
import { UNKNOWN_SCOPE_CLOSE } from './labels.js';
import type { TreeSpan } from './otlp-json.js';
import { BACK, ROW, VIA, type Back, type RunRow, type Via } from './row.js';
import type { RunEvidence } from './run-evidence.js';

/** A closed run's rows under one classification. */
export interface ViewGroup {
  readonly classification: string;
  readonly rows: RunRow[];
}

/** Interns a string into the model's string table and returns its index. */
export type Intern = (value: unknown) => number;

const collator = new Intl.Collator('en', { numeric: true });

/** Whether the run span links back to the action (with the action span in the data, to that span). */
function backLink(run: TreeSpan | undefined, actionRef: string): Back {
  if (run === undefined) return BACK.noRunSpan;
  const target = actionRef === '' ? undefined : actionRef.slice(actionRef.indexOf('/') + 1);
  const back = (l: TreeSpan['links'][number]): boolean =>
    target === undefined
      ? l.relation === LINK_RELATION_CLOSED_BY
      : l.spanId === target && l.relation !== LINK_RELATION_CLOSED_RUN;
  return run.links.some(back) ? BACK.linked : BACK.missing;
}

function viaOf(e: RunEvidence): Via {
  if (e.child === undefined) return e.run === undefined ? VIA.snapshot : VIA.runOnly;
  return e.run === undefined ? VIA.childOnly : VIA.childAndRun;
}

export function rowOf(e: RunEvidence, actionRef: string, intern: Intern): RunRow {
  const { child, run, snapshot } = e;
  if (snapshot !== undefined && child === undefined && run === undefined) {
    const row: RunRow = [e.runId, 0, 0, -1, -1, 0, 0, 0, 0, -1, '', -1, '', BACK.noRunSpan, VIA.snapshot];
    row[ROW.session] = intern(snapshot.session_id);
    row[ROW.scope] = intern(snapshot.scope_key);
    row[ROW.runMs] = roundMs(snapshot.run_duration_ms);
    row[ROW.stopMs] = roundMs(snapshot.stop_duration_ms);
    row[ROW.provenance] = intern(snapshot.provenance);
    row[ROW.summaryKey] = intern(snapshot.summary_key);
    row[ROW.outcome] = intern(snapshot.outcome);
    return row;
  }
  const a = { ...child?.attributes, ...run?.attributes };
  const row: RunRow = [e.runId, 0, 0, -1, -1, 0, 0, 0, 0, -1, '', -1, '', backLink(run, actionRef), viaOf(e)];
  row[ROW.session] = intern(a[ATTR_SESSION_ID]);
  row[ROW.scope] = intern(a[ATTR_SCOPE_KEY]);
  row[ROW.fingerprint] = intern(a[ATTR_RUN_ERROR_FINGERPRINT]);
  row[ROW.provenance] = intern(a[ATTR_CLOSE_PROVENANCE]);
  row[ROW.summaryKey] = intern(a[ATTR_CLOSE_SUMMARY_KEY]);
  row[ROW.outcome] = intern(a[ATTR_RUN_OUTCOME]);
  if (child !== undefined) {
    row[ROW.stopMs] = roundMs(child.durationMs);
    row[ROW.closedTrace] = intern(child.traceId);
    row[ROW.closedSpan] = child.spanId;
    // Without the run span in the data, its ids from the child's link: where to look it up.
    const link = child.links.find((l) => l.relation === LINK_RELATION_CLOSED_RUN) ?? child.links[0];
    if (run === undefined && link !== undefined) {
      row[ROW.runTrace] = intern(link.traceId);
      row[ROW.runSpan] = link.spanId;
    }
  }
  if (run !== undefined) {
    row[ROW.runMs] = roundMs(run.durationMs);
    row[ROW.runTrace] = intern(run.traceId);
    row[ROW.runSpan] = run.spanId;
  }
  return row;
}

/** The runs as rows grouped by classification. */
export function groupsOf(runs: readonly RunEvidence[], actionRef: string, intern: Intern): ViewGroup[] {
  const byClassification = new Map<string, RunRow[]>();
  for (const run of runs) {
    const rows = byClassification.get(run.classification);
    const row = rowOf(run, actionRef, intern);
    if (rows === undefined) byClassification.set(run.classification, [row]);
    else rows.push(row);
  }
  return [...byClassification.entries()]
    .map(([classification, rows]) => ({
      classification,
      rows: rows.sort((x, y) => collator.compare(x[ROW.runId], y[ROW.runId])),
    }))
    .sort(
      (x, y) =>
        Number(y.classification === UNKNOWN_SCOPE_CLOSE) - Number(x.classification === UNKNOWN_SCOPE_CLOSE) ||
        y.rows.length - x.rows.length ||
        x.classification.localeCompare(y.classification),
    );
}
