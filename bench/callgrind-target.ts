// One side (ours or baseline) of the hot-path cases, for instruction counting under
// `valgrind --tool=callgrind`; bench/callgrind.ts drives it. After each phase it prints
// `ready <phase>` and waits for a line on stdin, while the driver dumps the counts of that phase
// (callgrind_control --dump), so each dump holds exactly one phase.
// Usage: callgrind-target.ts ours|baseline <runs> <case>...
import { createInterface } from 'node:readline';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { CountingProcessor } from './cases/common.js';
import { hotPathSides } from './cases/hot-path.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const [side, count, ...names] = process.argv.slice(2);
const s = hotPathSides(new BasicTracerProvider({ spanProcessors: [new CountingProcessor()] }));
const CALLGRIND_CASES = {
  run_hot_path: [s.ours, s.baseline],
  run_hot_path_no_signal: [s.oursNoSignal, s.baseline],
  run_hot_path_vs_listening: [s.ours, s.baselineListening],
  per_run_controller: [s.oursPerRunController, s.baselinePerRunController],
} as const;

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function phaseDone(label: string): Promise<void> {
  process.stdout.write(`ready ${label}\n`);
  await lines.next();
}

if (side !== 'ours' && side !== 'baseline') throw new Error(`unknown side ${side}`);
const runs = names.map((name) => {
  const pair = CALLGRIND_CASES[name as keyof typeof CALLGRIND_CASES];
  if (pair === undefined) throw new Error(`unknown case ${name}`);
  return pair[side === 'ours' ? 0 : 1];
});
await phaseDone('start');
// Warm every case first (the code they share is then compiled alike for all of them).
for (let round = 0; round < 5; round++) for (const run of runs) await run.run(1_000);
await phaseDone('warm');
for (const [i, name] of names.entries()) {
  await phaseDone(`${name}.zero`); // what a phase costs with no runs: subtracted
  await runs[i]!.run(Number(count));
  await phaseDone(`${name}.first`); // only checked against the next: the drift
  await runs[i]!.run(Number(count));
  await phaseDone(`${name}.runs`);
}
process.exit(0);
