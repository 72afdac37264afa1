// The one span classifier of the views: which spans are lifecycle actions, which are closed-run
// children, which are run spans carrying a close, and which are none of these.
import {
  ATTR_ACTION_ID,
  ATTR_CLOSE_CLASSIFICATION,
  SPAN_NAME_ACTION_PREFIX,
  SPAN_NAME_CLOSED_RUN,
} from '../semconv.js';
import type { TreeSpan } from './otlp-json.js';

/** What a span is to the views. */
export type SpanRole = 'action' | 'closed_run' | 'run' | 'other';

export function spanRole(span: TreeSpan): SpanRole {
  if (span.name === SPAN_NAME_CLOSED_RUN) return 'closed_run';
  if (span.name.startsWith(SPAN_NAME_ACTION_PREFIX) && span.attributes[ATTR_ACTION_ID] !== undefined) return 'action';
  // The package's `run` span, or a host span it annotated with the close.
  if (typeof span.attributes[ATTR_CLOSE_CLASSIFICATION] === 'string') return 'run';
  return 'other';
}

/** The spans of each role; actions oldest first, the others in input order. */
export interface SpansByRole {
  readonly actions: TreeSpan[];
  readonly closedRuns: TreeSpan[];
  readonly runs: TreeSpan[];
}

export function spansByRole(spans: readonly TreeSpan[]): SpansByRole {
  const out: SpansByRole = { actions: [], closedRuns: [], runs: [] };
  for (const span of spans) {
    const role = spanRole(span);
    if (role === 'action') out.actions.push(span);
    else if (role === 'closed_run') out.closedRuns.push(span);
    else if (role === 'run') out.runs.push(span);
  }
  out.actions.sort((a, b) => a.startTimeMs - b.startTimeMs || a.spanId.localeCompare(b.spanId));
  return out;
}
