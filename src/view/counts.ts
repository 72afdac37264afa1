// The numbers every view shows: runs by classification and summary key, and the totals.
import { UNKNOWN_SCOPE_CLOSE } from './labels.js';
import { ROW } from './row.js';
import type { ViewGroup } from './run-rows.js';

export interface CloseCount {
  readonly classification: string;
  readonly summaryKey: string;
  readonly runs: number;
}

/** Runs by classification and summary key, most frequent first. */
export function closeCounts(groups: readonly ViewGroup[], strings: readonly string[]): CloseCount[] {
  const counts = new Map<string, { classification: string; summaryKey: string; runs: number }>();
  for (const group of groups) {
    for (const row of group.rows) {
      const summaryKey = strings[row[ROW.summaryKey]] ?? '';
      const key = `${group.classification}\u0000${summaryKey}`;
      const entry = counts.get(key) ?? { classification: group.classification, summaryKey, runs: 0 };
      entry.runs++;
      counts.set(key, entry);
    }
  }
  return [...counts.values()].sort((x, y) => y.runs - x.runs || x.classification.localeCompare(y.classification));
}

/** The runs counted, and those of them no action explains. */
export function runTotals(counts: readonly CloseCount[]): { runs: number; unexplained: number } {
  let runs = 0;
  let unexplained = 0;
  for (const c of counts) {
    runs += c.runs;
    if (c.classification === UNKNOWN_SCOPE_CLOSE) unexplained += c.runs;
  }
  return { runs, unexplained };
}

/** Closes since start by classification, summed over snapshots; classifications with none left out. */
export function snapshotTotals(
  snapshots: ReadonlyArray<{ readonly closes_by_classification?: Readonly<Record<string, number>> }>,
): Array<[string, number]> {
  const totals = new Map<string, number>();
  for (const snapshot of snapshots) {
    for (const [name, n] of Object.entries(snapshot.closes_by_classification ?? {})) {
      totals.set(name, (totals.get(name) ?? 0) + n);
    }
  }
  return [...totals.entries()].filter(([, n]) => n > 0);
}
