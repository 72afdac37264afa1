// Grouping closed runs by the lifecycle action that closed them: the actions of the action spans,
// plus those named only by their runs (the action span sampled out, or a snapshot close), and the
// runs no action explains or names.
import {
  ATTR_ACTION_ID,
  ATTR_ACTION_ORIGIN,
  ATTR_ACTION_OUTCOME,
  ATTR_ACTION_REASON,
  ATTR_LIFECYCLE_KIND,
  ATTR_RUNS_INTERRUPTED,
  ATTR_RUNS_OMITTED,
  ATTR_SCOPE_KEYS,
  SPAN_NAME_ACTION_PREFIX,
} from '../semconv.js';
import type { TreeSpan } from './otlp-json.js';
import type { RunEvidence } from './run-evidence.js';

/** A lifecycle action as the views show it. */
export interface ActionFacts {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly reason: string;
  readonly origin: string;
  readonly outcome: string;
  /** ms since the epoch; -1 when only the action's runs are known and they carry no time. */
  readonly start: number;
  /** -1 when no file holds the action span. */
  readonly durationMs: number;
  readonly scopeKeys: string[];
  readonly interrupted: number;
  readonly omitted: number;
  /** `traceId/spanId` of the action span, '' when no file holds it. */
  readonly ref: string;
}

export interface ActionRuns {
  readonly action: ActionFacts;
  readonly runs: RunEvidence[];
}

const str = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : String(value));
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
export const roundMs = (value: number | undefined): number => (value === undefined ? -1 : Math.round(value * 10) / 10);

/** The action id of each action span, by span id (for children that name their action by their parent). */
export function actionIdsBySpan(actionSpans: readonly TreeSpan[]): Map<string, string> {
  return new Map(actionSpans.map((span) => [span.spanId, str(span.attributes[ATTR_ACTION_ID])]));
}

function factsOfSpan(span: TreeSpan): ActionFacts {
  const a = span.attributes;
  return {
    id: str(a[ATTR_ACTION_ID]),
    kind: str(a[ATTR_LIFECYCLE_KIND]) || span.name.slice(SPAN_NAME_ACTION_PREFIX.length),
    name: span.name,
    reason: str(a[ATTR_ACTION_REASON]),
    origin: str(a[ATTR_ACTION_ORIGIN]),
    outcome: str(a[ATTR_ACTION_OUTCOME]),
    start: span.startTimeMs,
    durationMs: roundMs(span.durationMs),
    scopeKeys: Array.isArray(a[ATTR_SCOPE_KEYS]) ? (a[ATTR_SCOPE_KEYS] as unknown[]).map(str) : [],
    interrupted: num(a[ATTR_RUNS_INTERRUPTED]),
    omitted: num(a[ATTR_RUNS_OMITTED]),
    ref: `${span.traceId}/${span.spanId}`,
  };
}

/** An action no file holds the span of, known from one of its runs. */
function factsOfRun(run: RunEvidence): ActionFacts {
  const name = `${SPAN_NAME_ACTION_PREFIX}${run.kind}`;
  const none = { reason: '', origin: '', outcome: '', durationMs: -1, scopeKeys: [], interrupted: 0, omitted: 0 };
  return { id: run.actionId, kind: run.kind, name, start: run.at, ref: '', ...none };
}

/** The actions (oldest first) with their runs, and the runs outside any action. */
export function groupByAction(
  actionSpans: readonly TreeSpan[],
  runs: readonly RunEvidence[],
): { actions: ActionRuns[]; outside: RunEvidence[] } {
  const actions = new Map<string, { action: ActionFacts; runs: RunEvidence[] }>();
  for (const span of actionSpans) {
    const facts = factsOfSpan(span);
    if (!actions.has(facts.id)) actions.set(facts.id, { action: facts, runs: [] });
  }
  const outside: RunEvidence[] = [];
  for (const run of runs) {
    if (run.actionId === '') {
      outside.push(run);
      continue;
    }
    const entry = actions.get(run.actionId);
    if (entry === undefined) {
      actions.set(run.actionId, { action: factsOfRun(run), runs: [run] });
      continue;
    }
    entry.runs.push(run);
    const a = entry.action;
    if (a.ref !== '') continue;
    // Known from its runs only: the earliest of them starts it, and any of them may name its kind.
    const start = run.at >= 0 && (a.start < 0 || run.at < a.start) ? run.at : a.start;
    const kind = a.kind || run.kind;
    entry.action = { ...a, start, kind, name: `${SPAN_NAME_ACTION_PREFIX}${kind}` };
  }
  const list = [...actions.values()].sort(
    (x, y) => x.action.start - y.action.start || x.action.id.localeCompare(y.action.id),
  );
  return { actions: list, outside };
}
