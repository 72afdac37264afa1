// The package's instruments. Attributes are the low-cardinality vocabulary only: classification,
// kind and outcome; never run ids, session ids or scope keys.
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import {
  ATTR_ACTION_OUTCOME,
  ATTR_CLOSE_CLASSIFICATION,
  ATTR_LIFECYCLE_KIND,
  METRIC_LIFECYCLE_ACTIONS,
  METRIC_LIFECYCLE_DURATION,
  METRIC_LIFECYCLE_FANOUT,
  METRIC_RUN_CLOSES,
} from '../semconv.js';
import type { CloseClassification } from '../types.js';

const FANOUT_BUCKETS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const MAX_CACHED_ATTRIBUTE_SETS = 512;

export class LifecycleMetrics {
  private readonly runCloses: Counter;
  private readonly actions: Counter;
  private readonly fanout: Histogram;
  private readonly duration: Histogram;
  private readonly attributeSets = new Map<string, Attributes>();
  /** classification → kind ('' for none) → attributes, for the per-close path. */
  private readonly closeAttributes = new Map<string, Map<string, Attributes>>();
  /** The common case, closes with no lifecycle kind: one lookup. */
  private readonly plainCloseAttributes = new Map<string, Attributes>();
  /** The most common of those, a run that simply completed: no lookup. */
  private readonly successAttributes: Attributes;

  constructor(meter: Meter) {
    this.runCloses = meter.createCounter(METRIC_RUN_CLOSES, {
      description: 'Runs closed, by close classification and the lifecycle kind that closed them.',
      unit: '{run}',
    });
    this.actions = meter.createCounter(METRIC_LIFECYCLE_ACTIONS, {
      description: 'Lifecycle actions, by kind and outcome.',
      unit: '{action}',
    });
    this.fanout = meter.createHistogram(METRIC_LIFECYCLE_FANOUT, {
      description: 'Runs interrupted per lifecycle action.',
      unit: '{run}',
      advice: { explicitBucketBoundaries: FANOUT_BUCKETS },
    });
    this.duration = meter.createHistogram(METRIC_LIFECYCLE_DURATION, {
      description: 'Duration of lifecycle actions.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.successAttributes = this.attributes('success', undefined);
  }

  /** One frozen attribute object per combination, so the hot path allocates nothing. */
  private attributes(classification: string, kind: string | undefined, outcome?: string): Attributes {
    const cacheKey = `${classification}|${kind ?? ''}|${outcome ?? ''}`;
    let attributes = this.attributeSets.get(cacheKey);
    if (attributes === undefined) {
      const built: Attributes = {};
      if (classification !== '') built[ATTR_CLOSE_CLASSIFICATION] = classification;
      if (kind !== undefined) built[ATTR_LIFECYCLE_KIND] = kind;
      if (outcome !== undefined) built[ATTR_ACTION_OUTCOME] = outcome;
      attributes = Object.freeze(built);
      if (this.attributeSets.size < MAX_CACHED_ATTRIBUTE_SETS) this.attributeSets.set(cacheKey, attributes);
    }
    return attributes;
  }

  runClosed(classification: CloseClassification, kind: string | undefined): void {
    if (kind === undefined) {
      if (classification === 'success') {
        this.runCloses.add(1, this.successAttributes);
        return;
      }
      let attributes = this.plainCloseAttributes.get(classification);
      if (attributes === undefined) {
        attributes = this.attributes(classification, undefined);
        this.plainCloseAttributes.set(classification, attributes);
      }
      this.runCloses.add(1, attributes);
      return;
    }
    let byKind = this.closeAttributes.get(classification);
    if (byKind === undefined) {
      byKind = new Map();
      this.closeAttributes.set(classification, byKind);
    }
    let attributes = byKind.get(kind ?? '');
    if (attributes === undefined) {
      attributes = this.attributes(classification, kind);
      if (byKind.size < MAX_CACHED_ATTRIBUTE_SETS) byKind.set(kind ?? '', attributes);
    }
    this.runCloses.add(1, attributes);
  }

  actionEnded(kind: string, outcome: 'ok' | 'error', runsInterrupted: number, seconds: number): void {
    this.actions.add(1, this.attributes('', kind, outcome));
    const byKind = this.attributes('', kind);
    this.fanout.record(runsInterrupted, byKind);
    this.duration.record(seconds, byKind);
  }
}
