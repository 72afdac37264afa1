// One benchmark process: runs the cases named in BENCH_CASES (in that order) and prints one
// `BENCH_RESULT {json}` line per result for bench/run.ts to collect. Progress goes to stderr.
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { channelCases } from './cases/channels.js';
import type { CaseFn } from './cases/common.js';
import { exporterDown, shutdownFullQueue } from './cases/exporter.js';
import { fanoutCases } from './cases/fanout.js';
import { heapCases } from './cases/heap.js';
import { hotPathCases } from './cases/hot-path.js';
import { nextTurn } from './harness.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

export const CASES: Record<string, CaseFn> = {
  ...hotPathCases,
  ...fanoutCases,
  ...heapCases,
  ...channelCases,
  exporter_down: exporterDown,
  shutdown_full_queue: shutdownFullQueue,
};

/** Node warnings per case (the driver runs workers with --no-warnings and reports these instead). */
let warnings: Record<string, number> = {};
process.on('warning', (w) => {
  warnings[w.name] = (warnings[w.name] ?? 0) + 1;
});

const names = (process.env.BENCH_CASES ?? '').split(',').filter((n) => n !== '');
for (const name of names) {
  const fn = CASES[name];
  if (fn === undefined) throw new Error(`unknown case ${name}`);
  warnings = {};
  const results = await fn();
  await nextTurn(); // warnings are emitted on the next tick
  for (const r of Array.isArray(results) ? results : [results]) {
    for (const [warning, count] of Object.entries(warnings)) (r.extra ??= {})[`node_warnings_${warning}`] = count;
    process.stdout.write(`BENCH_RESULT ${JSON.stringify(r)}\n`);
  }
}
// Telemetry handles with an endpoint that is down would keep retrying; the results are out.
process.exit(0);
