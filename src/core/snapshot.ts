// What `snapshot()` reports: a ring buffer of recent closes, counts since start, and the actions in
// flight. Bounded by construction; holds only bounded tokens and keys, never a path or a message.
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';
import type { LifecycleSnapshot, SnapshotClose } from '../snapshot-format.js';
import type { CloseClassification } from '../types.js';
import { CLOSE_CLASSIFICATIONS } from './classification.js';
import { completedClose, SUCCESS, timeClose, type Close, type CloseTimes, type CompletedRun } from './close.js';
import type { ActionState, RunRecord } from './records.js';

export type { LifecycleSnapshot } from '../snapshot-format.js';

const MAX_KINDS = 64;
const MAX_SNAPSHOT_ACTIONS = 50;

const ms = (value: number): number => Math.round(value * 1000) / 1000;

function toSnapshot(close: Close): SnapshotClose {
  const out: Record<string, unknown> = {
    at: new Date(close.atMs).toISOString(),
    run_id: close.runId,
    scope_key: close.scopeKey,
    classification: close.classification,
    summary_key: close.summaryKey,
    outcome: close.outcome,
  };
  if (!Number.isNaN(close.runMs)) out.run_duration_ms = ms(close.runMs);
  if (close.sessionId !== undefined) out.session_id = close.sessionId;
  if (close.provenance !== undefined) out.provenance = close.provenance;
  if (close.actionId !== undefined) out.action_id = close.actionId;
  if (close.kind !== undefined) out.kind = close.kind;
  if (close.late) out.late = true;
  if (!Number.isNaN(close.stopMs)) out.stop_duration_ms = ms(close.stopMs);
  return out as unknown as SnapshotClose;
}

/**
 * The ring's place for the close of a run that simply completed: the few fields that tell it from
 * another's, written in place. Its `Close` is built only when a snapshot is taken.
 */
class CompletedSlot implements CompletedRun, CloseTimes {
  runId = '';
  sessionId: string | undefined = undefined;
  scopeKey = '';
  atMs = 0;
  runMs = 0;
  stopMs = 0;

  toClose(): Close {
    const close = completedClose(this);
    close.atMs = this.atMs;
    close.runMs = this.runMs;
    close.stopMs = this.stopMs;
    return close;
  }
}

export class Snapshot {
  readonly since = Date.now();
  /** The recent closes; a run that simply completed is kept in the slot of its place in the ring. */
  private ring: Array<Close | CompletedSlot | undefined>;
  private slots: CompletedSlot[];
  private next = 0;
  private readonly byClassification = Object.fromEntries(CLOSE_CLASSIFICATIONS.map((c) => [c, 0])) as Record<
    CloseClassification,
    number
  >;
  private readonly byKind = new Map<string, number>();
  private lateCloses = 0;

  constructor(capacity: number) {
    this.ring = new Array<Close | CompletedSlot | undefined>(capacity).fill(undefined);
    this.slots = Array.from({ length: capacity }, () => new CompletedSlot());
  }

  get keepsCloses(): boolean {
    return this.ring.length > 0;
  }

  /** Keeps the most recent closes that still fit. */
  resize(capacity: number): void {
    if (capacity === this.ring.length) return;
    const kept = capacity > 0 ? this.recent().slice(-capacity) : [];
    this.ring = new Array<Close | CompletedSlot | undefined>(capacity).fill(undefined);
    this.slots = Array.from({ length: capacity }, () => new CompletedSlot());
    this.next = 0;
    for (const close of kept) this.keep(close);
  }

  add(close: Close): void {
    this.byClassification[close.classification]++;
    if (close.late) this.lateCloses++;
    this.keep(close);
  }

  /**
   * `add` for a run that simply completed, once its span has ended: no `Close` is built for it.
   * Its times are read first: a host span whose time getter throws leaves the ring and the counts
   * as they were (`timeClose` reads both times before it writes).
   */
  addCompleted(run: RunRecord): void {
    if (this.ring.length > 0) {
      const slot = this.slots[this.next]!;
      timeClose(slot, run);
      slot.runId = run.runId;
      slot.sessionId = run.sessionId;
      slot.scopeKey = run.scopeKey;
      this.keep(slot);
    }
    this.byClassification[SUCCESS]++;
  }

  private keep(entry: Close | CompletedSlot): void {
    if (this.ring.length === 0) return;
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.ring.length;
  }

  countAction(kind: string): void {
    const key = this.byKind.has(kind) || this.byKind.size < MAX_KINDS ? kind : '_other';
    this.byKind.set(key, (this.byKind.get(key) ?? 0) + 1);
  }

  private recent(): Close[] {
    const out: Close[] = [];
    for (let i = 0; i < this.ring.length; i++) {
      const entry = this.ring[(this.next + i) % this.ring.length];
      if (entry !== undefined) out.push(entry instanceof CompletedSlot ? entry.toClose() : entry);
    }
    return out;
  }

  /** The whole snapshot, with the in-flight counts and actions the caller holds. */
  build(enabled: boolean, inFlight: LifecycleSnapshot['in_flight'], actions: Iterable<ActionState>): LifecycleSnapshot {
    const now = performance.now();
    const active: Array<LifecycleSnapshot['active_actions'][number]> = [];
    for (const action of actions) {
      if (active.length >= MAX_SNAPSHOT_ACTIONS) break;
      active.push({
        action_id: action.id,
        kind: action.kind,
        age_ms: Math.round(now - action.startedAt),
        runs_interrupted: action.runsInterrupted,
        scope_keys: action.scopeKeys.size + action.scopeKeysOmitted,
      });
    }
    return {
      schema_version: 1,
      package: { name: PACKAGE_NAME, version: PACKAGE_VERSION },
      enabled,
      taken_at: new Date().toISOString(),
      since: new Date(this.since).toISOString(),
      in_flight: inFlight,
      active_actions: active,
      recent_closes: this.recent().map(toSnapshot),
      closes_by_classification: { ...this.byClassification },
      late_closes: this.lateCloses,
      actions_by_kind: Object.fromEntries(this.byKind),
    };
  }
}
