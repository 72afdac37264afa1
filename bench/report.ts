// Targets, the summary of each case over its processes (median, min, max), the printed table and
// the shape of bench/results.json.
import type { CaseResult } from './cases/common.js';
import type { InstructionCount } from './callgrind.js';
import { median } from './harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;

interface Target {
  text: string;
  met(row: Summary): boolean;
}

/** The targets of issues 15, 22 and 24; cases without one are informational. */
export const TARGETS: Record<string, Target> = {
  run_hot_path: { text: 'ratio <= 1.20', met: (r) => r.ratio! <= 1.2 },
  run_hot_path_no_signal: { text: 'ratio <= 1.15', met: (r) => r.ratio! <= 1.15 },
  per_run_controller: { text: 'ratio <= 1.10', met: (r) => r.ratio! <= 1.1 },
  hot_path_meter_provider: { text: 'ratio <= 1.30', met: (r) => r.ratio! <= 1.3 },
  fanout_10k: { text: 'ratio <= 1.3', met: (r) => r.ratio! <= 1.3 },
  fanout_scaling: { text: 'ratio <= 1.1', met: (r) => r.ratio! <= 1.1 },
  dispose_all_100k: { text: 'block ratio <= 1.30', met: (r) => r.ratio! <= 1.3 },
  retained_heap: {
    text: '<= 64 KiB',
    met: (r) => r.ours <= 64 * KiB && (r.extra.state_left_in_flight?.max ?? 0) === 0,
  },
  // Issue 22: the heap is bounded by the queue (16,384 spans) and flat once it is full, and the
  // full queue drops completed runs, never the evidence.
  exporter_down: {
    text: 'ratio <= 1.1, heap <= 20 MiB, drift <= 1 MiB, 0 evidence dropped',
    met: (r) =>
      r.ratio! <= 1.1 &&
      (r.extra.heap_after_soak_bytes?.max ?? Infinity) <= 20 * MiB &&
      (r.extra.heap_drift_bytes?.max ?? Infinity) <= MiB &&
      r.extra.down_queue_full_evidence?.max === 0,
  },
  shutdown_full_queue: { text: '0 spans lost', met: (r) => r.max === 0 },
  // Issue 24: publishing costs nothing when nobody listens; the channel path is close to the direct API.
  channel_idle: { text: 'ratio <= 1.02', met: (r) => r.ratio! <= 1.02 },
  channel_subscribed: { text: 'ratio <= 1.10', met: (r) => r.ratio! <= 1.1 },
};

export interface Summary {
  name: string;
  runtime: string;
  unit: CaseResult['unit'];
  processes: number;
  /** Medians over the processes. */
  ours: number;
  baseline?: number;
  ratio?: number;
  ns_added_per_run?: number;
  /** Spread over the processes: of the ratio, or of `ours` for cases without a baseline. */
  min: number;
  max: number;
  per_process: number[];
  /** (max - min) / median of the ratio over 0.10: read the instruction counts beside it. */
  noisy: boolean;
  target: string;
  met: boolean | null;
  extra: Record<string, { median: number; min: number; max: number }>;
  instructions?: InstructionCount;
}

export function summarise(name: string, runtime: string, results: CaseResult[]): Summary {
  const spreadOf = results.map((r) => r.ratio ?? r.ours);
  const keys = [...new Set(results.flatMap((r) => Object.keys(r.extra ?? {})))];
  const extra: Summary['extra'] = {};
  for (const key of keys) {
    const values = results.map((r) => r.extra?.[key]).filter((v): v is number => v !== undefined);
    const round = (v: number) => Math.round(v * 10) / 10;
    extra[key] = { median: round(median(values)), min: round(Math.min(...values)), max: round(Math.max(...values)) };
  }
  const hasRatio = results[0]!.ratio !== undefined;
  const row: Summary = {
    name,
    runtime,
    unit: results[0]!.unit,
    processes: results.length,
    ours: median(results.map((r) => r.ours)),
    ...(hasRatio
      ? {
          baseline: median(results.map((r) => r.baseline!)),
          ratio: median(results.map((r) => r.ratio!)),
          ns_added_per_run: median(results.map((r) => r.nsAddedPerRun!)),
        }
      : {}),
    min: Math.min(...spreadOf),
    max: Math.max(...spreadOf),
    per_process: spreadOf,
    noisy: false,
    target: TARGETS[name]?.text ?? '(informational)',
    met: null,
    extra,
  };
  row.noisy = hasRatio && (row.max - row.min) / row.ratio! > 0.1;
  row.met = TARGETS[name]?.met(row) ?? null;
  return row;
}

function fmtNs(ns: number): string {
  const abs = Math.abs(ns);
  if (abs >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (abs >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  return abs >= 1e4 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns.toFixed(0)} ns`;
}
const fmtBytes = (b: number): string =>
  Math.abs(b) >= MiB ? `${(b / MiB).toFixed(1)} MiB` : `${(b / KiB).toFixed(0)} KiB`;

function value(row: Summary, v: number): string {
  if (row.unit === 'bytes') return fmtBytes(v);
  if (row.unit === 'spans') return `${v} lost`;
  return fmtNs(v);
}

function spread(row: Summary): string {
  if (row.ratio !== undefined) return `${row.min.toFixed(2)}–${row.max.toFixed(2)}`;
  if (row.unit === 'spans') return row.min === row.max ? `${row.min}` : `${row.min}–${row.max}`;
  return `${value(row, row.min)}–${value(row, row.max)}`;
}

/** One line per case and runtime: medians, ratio with min–max, ns added, target, result. */
export function table(rows: Summary[]): string {
  const head = ['case', 'runtime', 'ours', 'baseline', 'ratio', 'min–max', '+ns/run', 'instr ratio', 'target'];
  head.push('result');
  const lines = rows.map((r) => [
    r.name,
    r.runtime,
    value(r, r.ours),
    r.baseline === undefined ? '' : value(r, r.baseline),
    r.ratio === undefined ? '' : r.ratio.toFixed(2),
    spread(r),
    r.ns_added_per_run === undefined ? '' : r.ns_added_per_run.toFixed(0),
    r.instructions === undefined ? '' : r.instructions.ratio.toFixed(2),
    r.target,
    r.met === null ? '' : r.met ? 'met' : 'MISSED',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const pad = (c: string, i: number) => (i >= 2 && i <= 7 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!));
  const fmt = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  return [fmt(head), ...lines.map(fmt)].join('\n');
}

/** Figures of a case's extras worth a line under the table (heap growth, spans received, …). */
export function notes(rows: Summary[]): string {
  const out: string[] = [];
  for (const r of rows) {
    const range = (v: { min: number; max: number }) => (v.min !== v.max ? ` (${v.min}–${v.max})` : '');
    const parts = Object.entries(r.extra).map(([k, v]) => `${k} ${v.median}${range(v)}`);
    const i = r.instructions;
    if (i !== undefined) parts.push(`instructions/run ours ${i.ours}, baseline ${i.baseline} (drift ${i.drift})`);
    if (parts.length > 0) out.push(`  ${r.name} ${r.runtime}: ${parts.join('; ')}`);
  }
  return out.join('\n');
}
