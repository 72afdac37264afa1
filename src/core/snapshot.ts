// What `snapshot()` reports: a ring buffer of recent closes and counts since start. Bounded by
// construction; holds only bounded tokens and keys, never a path or a message.
import { CLOSE_CLASSIFICATIONS } from './classification.js';
import type { CloseClassification, ProvenanceSource, RecordedOutcome, SnapshotClose } from '../types.js';

const MAX_KINDS = 64;

/** A close as recorded on the hot path: times stay numbers until a snapshot asks. */
export interface CloseRecord {
  atMs: number;
  runId: string;
  sessionId: string | undefined;
  scopeKey: string;
  classification: CloseClassification;
  summaryKey: string;
  outcome: RecordedOutcome;
  provenance: ProvenanceSource | undefined;
  actionId: string | undefined;
  kind: string | undefined;
  runMs: number;
  stopMs: number | undefined;
}

function toSnapshot(r: CloseRecord): SnapshotClose {
  const close: Record<string, unknown> = {
    at: new Date(r.atMs).toISOString(),
    run_id: r.runId,
    scope_key: r.scopeKey,
    classification: r.classification,
    summary_key: r.summaryKey,
    outcome: r.outcome,
    run_duration_ms: Math.round(r.runMs * 1000) / 1000,
  };
  if (r.sessionId !== undefined) close.session_id = r.sessionId;
  if (r.provenance !== undefined) close.provenance = r.provenance;
  if (r.actionId !== undefined) close.action_id = r.actionId;
  if (r.kind !== undefined) close.kind = r.kind;
  if (r.stopMs !== undefined) close.stop_duration_ms = Math.round(r.stopMs * 1000) / 1000;
  return close as unknown as SnapshotClose;
}

export class Diagnostics {
  readonly since = Date.now();
  private ring: Array<CloseRecord | undefined>;
  private next = 0;
  private readonly byClassification = Object.fromEntries(CLOSE_CLASSIFICATIONS.map((c) => [c, 0])) as Record<CloseClassification, number>;
  private readonly byKind = new Map<string, number>();

  constructor(capacity: number) {
    this.ring = new Array<CloseRecord | undefined>(capacity).fill(undefined);
  }

  get keepsCloses(): boolean {
    return this.ring.length > 0;
  }

  /** Keeps the most recent closes that still fit. */
  resize(capacity: number): void {
    if (capacity === this.ring.length) return;
    const kept = capacity > 0 ? this.recent().slice(-capacity).map((record) => ({ ...record })) : [];
    this.ring = new Array<CloseRecord | undefined>(capacity).fill(undefined);
    this.next = 0;
    for (const record of kept) this.add(record);
  }

  countClose(classification: CloseClassification): void {
    this.byClassification[classification]++;
  }

  add(record: CloseRecord): void {
    if (this.ring.length === 0) return;
    this.ring[this.next] = record;
    this.next = (this.next + 1) % this.ring.length;
  }

  /**
   * The slot the next close is written into, in place: the ring's records are reused, so a
   * close allocates nothing here. Only call while `keepsCloses`.
   */
  slot(): CloseRecord {
    let record = this.ring[this.next];
    if (record === undefined) {
      record = {
        atMs: 0,
        runId: '',
        sessionId: undefined,
        scopeKey: '',
        classification: 'success',
        summaryKey: '',
        outcome: 'completed',
        provenance: undefined,
        actionId: undefined,
        kind: undefined,
        runMs: 0,
        stopMs: undefined,
      };
      this.ring[this.next] = record;
    }
    this.next = (this.next + 1) % this.ring.length;
    return record;
  }

  countAction(kind: string): void {
    const key = this.byKind.has(kind) || this.byKind.size < MAX_KINDS ? kind : '_other';
    this.byKind.set(key, (this.byKind.get(key) ?? 0) + 1);
  }

  private recent(): CloseRecord[] {
    const out: CloseRecord[] = [];
    for (let i = 0; i < this.ring.length; i++) {
      const record = this.ring[(this.next + i) % this.ring.length];
      if (record !== undefined) out.push(record);
    }
    return out;
  }

  recentCloses(): SnapshotClose[] {
    return this.recent().map(toSnapshot);
  }

  closesByClassification(): Record<CloseClassification, number> {
    return { ...this.byClassification };
  }

  actionsByKind(): Record<string, number> {
    return Object.fromEntries(this.byKind);
  }
}
