// A small benchmark harness: warm-up, then samples of the two sides interleaved (B A, A B, …)
// so machine drift hits both alike, and the median ns/op of each side.

export interface Side {
  /** Runs `ops` operations; may be async (then awaited). Returns nothing. */
  run(ops: number): void | Promise<void>;
}

export interface PairResult {
  oursNs: number;
  baselineNs: number;
  ratio: number;
}

export interface PairOptions {
  ops: number;
  samples: number;
  warmup: number;
  /** Operations per warm-up round (default `ops`). */
  warmupOps?: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeOnce(side: Side, ops: number): Promise<number> {
  const start = process.hrtime.bigint();
  const result = side.run(ops);
  if (result !== undefined) await result;
  return Number(process.hrtime.bigint() - start) / ops;
}

/** Interleaved samples of `ours` and `baseline`, `ops` operations each; medians in ns/op. */
export async function comparePair(ours: Side, baseline: Side, options: PairOptions): Promise<PairResult> {
  const warmupOps = options.warmupOps ?? options.ops;
  for (let i = 0; i < options.warmup; i++) {
    await timeOnce(baseline, warmupOps);
    await timeOnce(ours, warmupOps);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < options.samples; i++) {
    // Alternate which side goes first, so neither always runs on a warmer or colder machine.
    if (i % 2 === 0) {
      b.push(await timeOnce(baseline, options.ops));
      a.push(await timeOnce(ours, options.ops));
    } else {
      a.push(await timeOnce(ours, options.ops));
      b.push(await timeOnce(baseline, options.ops));
    }
  }
  const oursNs = median(a);
  const baselineNs = median(b);
  return { oursNs, baselineNs, ratio: oursNs / baselineNs };
}

export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run the benchmarks with node --expose-gc (npm run bench does)');
  collect();
  collect();
}

/** Resolves after the event loop has gone round once (timers, I/O, then this check phase). */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
