// The set-up's span queue: bounded like the BatchSpanProcessor's, but when it is full it keeps the
// lifecycle evidence. A span is queued in the tier of its kind; a span that arrives at a full queue
// takes the place of the newest span of the lowest tier below its own, and is dropped only when
// every queued span is of its tier or higher. Every drop is counted by the kind of span dropped.
import {
  SPAN_NAME_ACTION_PREFIX,
  SPAN_NAME_CLOSED_RUN,
  ATTR_ACTION_ID,
  ATTR_CLOSE_CLASSIFICATION,
} from '../semconv.js';
import type { DroppedSpanKind as SpanKind } from './types.js';

export type SpanCounts = Record<SpanKind, number>;

/**
 * 0: a run that simply completed. 1: a run that failed, was cancelled by its user or abandoned,
 * and every span that is not the package's. 2-4: the evidence an operator reads after a lifecycle
 * action, least telling first: runs closed by a lifecycle action or by nothing known, the
 * `run closed` children (each carries its run's whole close), and the action spans (one per
 * action, the parent of all the rest).
 */
const TIER: Record<SpanKind, number> = {
  run_completed: 0,
  run_other: 1,
  other: 1,
  run_lifecycle: 2,
  run_closed: 3,
  action: 4,
};
const TIERS = Math.max(...Object.values(TIER)) + 1;

/** What a dropped span was, lowest tier first (every kind, as the tier table lists them). */
export const SPAN_KINDS = Object.keys(TIER) as readonly SpanKind[];
/** The tiers from which a span is lifecycle evidence. */
const FIRST_EVIDENCE_TIER = 2;

/** The kinds that are lifecycle evidence: what an operator reads after an action. */
export const EVIDENCE_KINDS: readonly SpanKind[] = SPAN_KINDS.filter((kind) => TIER[kind] >= FIRST_EVIDENCE_TIER);

export interface QueuedSpanLike {
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export function spanKindOf(span: QueuedSpanLike): SpanKind {
  const classification = span.attributes[ATTR_CLOSE_CLASSIFICATION];
  if (span.name === SPAN_NAME_CLOSED_RUN && classification !== undefined) return 'run_closed';
  if (typeof classification === 'string') {
    if (classification === 'success') return 'run_completed';
    if (classification === 'error' || classification === 'user_cancel' || classification === 'abandoned')
      return 'run_other';
    return 'run_lifecycle';
  }
  if (span.name.startsWith(SPAN_NAME_ACTION_PREFIX) && span.attributes[ATTR_ACTION_ID] !== undefined) return 'action';
  return 'other';
}

export const noSpans = (): SpanCounts => Object.fromEntries(SPAN_KINDS.map((kind) => [kind, 0])) as SpanCounts;

export class EvidenceQueue<S extends QueuedSpanLike> {
  private readonly tiers: S[][] = Array.from({ length: TIERS }, () => []);
  private count = 0;
  /** Spans dropped so far, by kind. */
  readonly dropped: SpanCounts = noSpans();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.count;
  }

  /**
   * Queues the span. On a full queue the newest span of the lowest tier below this one's makes
   * room; with none, this span is dropped. Answers the kind dropped, if any.
   */
  add(span: S): SpanKind | undefined {
    const kind = spanKindOf(span);
    const tier = TIER[kind];
    let dropped: SpanKind | undefined;
    if (this.count >= this.capacity) {
      const lower = this.tiers.findIndex((queued, at) => at < tier && queued.length > 0);
      if (lower < 0) {
        this.dropped[kind]++;
        return kind;
      }
      dropped = spanKindOf(this.tiers[lower]!.pop()!);
      this.dropped[dropped]++;
      this.count--;
    }
    this.tiers[tier]!.push(span);
    this.count++;
    return dropped;
  }

  /** Takes up to `max` spans: the highest tiers first, or (`evidenceFirst: false`) the lowest. */
  take(max: number, evidenceFirst = true): S[] {
    const batch: S[] = [];
    for (let at = 0; at < TIERS && batch.length < max; at++) {
      const queued = this.tiers[evidenceFirst ? TIERS - 1 - at : at]!;
      const taken = queued.length <= max - batch.length ? queued.splice(0) : queued.splice(0, max - batch.length);
      for (const span of taken) batch.push(span);
    }
    this.count -= batch.length;
    return batch;
  }
}
