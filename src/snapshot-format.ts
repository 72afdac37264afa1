// The diagnostics snapshot's format: what `snapshot()` writes (core/snapshot.ts) and what the views
// read back from a file (view/inputs.ts). One definition, so a field the writer adds, renames or
// retypes shows in the reader's type. Snake_case: it is a wire format, written as JSON.
import type { CloseClassification, ProvenanceSource, RecordedOutcome } from './types.js';

/** One run close as the diagnostics snapshot keeps it. */
export interface SnapshotClose {
  /** ISO time of the close. */
  readonly at: string;
  readonly run_id: string;
  readonly session_id?: string;
  readonly scope_key: string;
  readonly classification: CloseClassification;
  readonly summary_key: string;
  readonly outcome: RecordedOutcome;
  readonly provenance?: ProvenanceSource;
  readonly action_id?: string;
  readonly kind?: string;
  /** Attributed to an action that had already ended. */
  readonly late?: true;
  /** From trackRun to end (when the start was timed: with `recentCloses` or `maxRunAgeMs` set). */
  readonly run_duration_ms?: number;
  /** From the interrupt to end: how long the run took to stop. */
  readonly stop_duration_ms?: number;
}

/** `lifecycle.snapshot()`: versioned, JSON-serializable, bounded, content-free. */
export interface LifecycleSnapshot {
  readonly schema_version: 1;
  readonly package: { readonly name: string; readonly version: string };
  readonly enabled: boolean;
  readonly taken_at: string;
  /** When counting started (the instrumentation's creation). */
  readonly since: string;
  readonly in_flight: {
    readonly actions: number;
    readonly runs: number;
    readonly scopes: number;
    readonly scope_registrations: number;
  };
  /** At most 50, oldest first. */
  readonly active_actions: ReadonlyArray<{
    readonly action_id: string;
    readonly kind: string;
    readonly age_ms: number;
    readonly runs_interrupted: number;
    readonly scope_keys: number;
  }>;
  /** The last `recentCloses` closes (config, default 100), oldest first. */
  readonly recent_closes: readonly SnapshotClose[];
  readonly closes_by_classification: Readonly<Record<CloseClassification, number>>;
  /** Closes attributed to an action that had already ended (late, victim-side reports). */
  readonly late_closes: number;
  /** Actions started, by kind (at most 64 kinds; the rest under `_other`). */
  readonly actions_by_kind: Readonly<Record<string, number>>;
}

/**
 * The same format as a reader takes it from a file of any version or writer: each token widened
 * to `string`, and every field optional but those a close cannot be shown without.
 */
type Read<T> = { readonly [K in keyof T]?: T[K] extends string ? string : T[K] };

/** One close of a snapshot's `recent_closes`, as the views read it. */
export type SnapshotCloseLike = Read<SnapshotClose> &
  Required<Pick<Read<SnapshotClose>, 'run_id' | 'scope_key' | 'classification' | 'summary_key'>>;

/** A diagnostics snapshot, as the views read it. */
export interface SnapshotLike extends Pick<Read<LifecycleSnapshot>, 'taken_at'> {
  readonly schema_version: number;
  readonly recent_closes: ReadonlyArray<SnapshotCloseLike>;
  readonly closes_by_classification?: Readonly<Record<string, number>>;
}
