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

await phaseDone('start');
for (const name of names) {
  const pair = CALLGRIND_CASES[name as keyof typeof CALLGRIND_CASES];
  if (pair === undefined || (side !== 'ours' && side !== 'baseline')) {
    throw new Error(`unknown case ${name} or side ${side}`);
  }
  const run = pair[side === 'ours' ? 0 : 1];
  for (let i = 0; i < 5; i++) await run.run(1_000);
  await phaseDone(`${name}.warm`);
  await phaseDone(`${name}.zero`); // what a phase costs with no runs: subtracted
  await run.run(Number(count));
  await phaseDone(`${name}.runs`);
}
process.exit(0);
