// The one de-duplication of the views: each closed run once, whichever evidence the data holds for
// it. A `run closed` child and the run span it links to are one run; so are a child and a run span
// of the same action and run id whose link the data lost; a snapshot close already seen in the
// spans (same action, run id and classification) adds nothing.
import {
  ATTR_ACTION_ID,
  ATTR_CLOSE_CLASSIFICATION,
  ATTR_LIFECYCLE_KIND,
  ATTR_RUN_ID,
  LINK_RELATION_CLOSED_RUN,
} from '../semconv.js';
import type { SnapshotCloseLike, SnapshotLike } from '../snapshot-format.js';
import type { TreeSpan } from './otlp-json.js';
import type { SpansByRole } from './span-roles.js';

/** One closed run and the evidence the data holds for it (at least one of child, run, snapshot). */
export interface RunEvidence {
  readonly runId: string;
  /** The action that closed the run, '' for none. */
  readonly actionId: string;
  /** The action's kind as the run's evidence names it, '' when it does not. */
  readonly kind: string;
  readonly classification: string;
  /** When the close was seen, ms since the epoch (-1 unknown): a start for an action known only from its runs. */
  readonly at: number;
  /** The `run closed` child. */
  readonly child?: TreeSpan;
  /** The run's own span. */
  readonly run?: TreeSpan;
  readonly snapshot?: SnapshotCloseLike;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : String(value));
const spanKey = (traceId: string, spanId: string): string => `${traceId}/${spanId}`;
const runKey = (actionId: string, runId: string): string => `${actionId}\u0000${runId}`;
const closeKey = (e: RunEvidence): string => `${runKey(e.actionId, e.runId)}\u0000${e.classification}`;

function evidenceOf(child: TreeSpan | undefined, run: TreeSpan | undefined, parentAction: string): RunEvidence {
  const c = child?.attributes ?? {};
  const r = run?.attributes ?? {};
  return {
    runId: str(r[ATTR_RUN_ID] ?? c[ATTR_RUN_ID]),
    actionId: str(c[ATTR_ACTION_ID]) || parentAction || str(r[ATTR_ACTION_ID]),
    kind: str(c[ATTR_LIFECYCLE_KIND]) || str(r[ATTR_LIFECYCLE_KIND]),
    classification: str(c[ATTR_CLOSE_CLASSIFICATION] ?? r[ATTR_CLOSE_CLASSIFICATION]),
    at: (child ?? run)?.startTimeMs ?? -1,
    ...(child === undefined ? {} : { child }),
    ...(run === undefined ? {} : { run }),
  };
}

/**
 * The closed runs of the spans, each once. `actionOfSpan` maps an action span's id to its action id,
 * for children that name their action only by their parent.
 */
export function runsOfSpans(spans: SpansByRole, actionOfSpan: ReadonlyMap<string, string>): RunEvidence[] {
  const runBySpan = new Map(spans.runs.map((run) => [spanKey(run.traceId, run.spanId), run]));
  const claimed = new Set<TreeSpan>();
  const out: RunEvidence[] = [];
  const childOnly = new Map<string, number>();
  for (const child of spans.closedRuns) {
    const link = child.links.find((l) => l.relation === LINK_RELATION_CLOSED_RUN) ?? child.links[0];
    const linked = link === undefined ? undefined : runBySpan.get(spanKey(link.traceId, link.spanId));
    const run = linked !== undefined && !claimed.has(linked) ? linked : undefined;
    if (run !== undefined) claimed.add(run);
    const parent = child.parentSpanId === undefined ? undefined : actionOfSpan.get(child.parentSpanId);
    const evidence = evidenceOf(child, run, parent ?? '');
    if (run === undefined && evidence.runId !== '')
      childOnly.set(runKey(evidence.actionId, evidence.runId), out.length);
    out.push(evidence);
  }
  for (const run of spans.runs) {
    if (claimed.has(run)) continue;
    const alone = evidenceOf(undefined, run, '');
    const key = runKey(alone.actionId, alone.runId);
    const i = alone.runId === '' ? undefined : childOnly.get(key);
    if (i === undefined) {
      out.push(alone);
      continue;
    }
    // The child's link to this run span did not survive; the action and run id still name it.
    childOnly.delete(key);
    const child = out[i]!.child!;
    out[i] = evidenceOf(child, run, out[i]!.actionId);
  }
  return out;
}

/** Adds the snapshots' closes that the runs do not already hold. */
export function withSnapshotCloses(runs: readonly RunEvidence[], snapshots: readonly SnapshotLike[]): RunEvidence[] {
  const out = [...runs];
  const seen = new Set(runs.map(closeKey));
  for (const snapshot of snapshots) {
    for (const close of snapshot.recent_closes) {
      const at = close.at === undefined ? Number.NaN : Date.parse(close.at);
      const evidence: RunEvidence = {
        runId: close.run_id,
        actionId: close.action_id ?? '',
        kind: close.kind ?? '',
        classification: close.classification,
        at: Number.isNaN(at) ? -1 : at,
        snapshot: close,
      };
      const key = closeKey(evidence);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(evidence);
    }
  }
  return out;
}
