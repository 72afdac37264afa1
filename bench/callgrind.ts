// Instruction counts of the hot path, both sides, under `valgrind --tool=callgrind`: a figure the
// machine's load cannot move. bench/run.ts calls it for the noisy hot-path rows; alone:
// `node --import tsx bench/callgrind.ts [--write] [case ...]` (BENCH_RUNTIMES as for run.ts).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CALLGRIND_CASES = [
  'run_hot_path',
  'run_hot_path_no_signal',
  'run_hot_path_vs_listening',
  'per_run_controller',
];
const RUNS = 4_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface InstructionCount {
  ours: number;
  baseline: number;
  ratio: number;
  /** The largest change, either side, from the first measured phase to the second: under 0.02 is steady. */
  drift: number;
}

export function hasValgrind(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Bundles the target once (plain JS starts far faster under valgrind than through tsx). */
function bundle(dir: string): string {
  const out = join(dir, 'target.mjs');
  const banner = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [
    join(ROOT, 'bench/callgrind-target.ts'),
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--target=node20',
    `--outfile=${out}`,
    '--log-level=warning',
    `--banner:js=${banner}`,
  ]);
  return out;
}

/** One valgrind process for one side: the counts of every phase the target reports, by label. */
async function countPhases(node: string, target: string, side: string, cases: string[], dir: string) {
  const prefix = join(dir, side);
  const valgrind = ['--tool=callgrind', `--callgrind-out-file=${prefix}.%p`];
  const args = [...valgrind, node, '--single-threaded', target, side, String(RUNS), ...cases];
  const child = spawn('valgrind', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()).slice(-4000));
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (!line.startsWith('ready ')) continue;
      execFileSync('callgrind_control', ['--dump', line.slice(6), String(child.pid)], { stdio: 'ignore' });
      child.stdin.write('go\n');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`valgrind ${side} exited ${code}: ${stderr.slice(-2000)}`);
  const counts = new Map<string, number>();
  for (const file of readdirSync(dir).filter((f) => join(dir, f).startsWith(prefix))) {
    const text = readFileSync(join(dir, file), 'utf8');
    const label = /^desc: Trigger: dump (\S+)$/m.exec(text)?.[1];
    const total = /^totals: (\d+)/m.exec(text)?.[1] ?? /^summary: (\d+)/m.exec(text)?.[1];
    if (label !== undefined && total !== undefined) counts.set(label, Number(total));
  }
  return counts;
}

/** Instructions per run of each case, ours and baseline, on one runtime (both sides in parallel). */
export async function callgrind(node: string, cases: string[]): Promise<Record<string, InstructionCount>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-callgrind-'));
  try {
    const target = bundle(dir);
    const sides = ['ours', 'baseline'].map((side) => countPhases(node, target, side, cases, dir));
    const [ours, baseline] = await Promise.all(sides);
    const perRun = (counts: Map<string, number>, phase: string): number => {
      const runs = counts.get(phase);
      const zero = counts.get(phase.replace(/\.\w+$/, '.zero'));
      if (runs === undefined || zero === undefined) throw new Error(`no callgrind dump for ${phase}`);
      return (runs - zero) / RUNS;
    };
    const result: Record<string, InstructionCount> = {};
    for (const name of cases) {
      const o = perRun(ours!, `${name}.runs`);
      const b = perRun(baseline!, `${name}.runs`);
      const drift = Math.max(
        Math.abs(perRun(ours!, `${name}.first`) / o - 1),
        Math.abs(perRun(baseline!, `${name}.first`) / b - 1),
      );
      const steady = Math.round(drift * 1000) / 1000;
      result[name] = { ours: Math.round(o), baseline: Math.round(b), ratio: o / b, drift: steady };
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Alone: prints the counts; with --write, also puts them beside the rows of bench/results.json. */
async function main(): Promise<void> {
  const { runtimeBinary, selectedRuntimes } = await import('./runtimes.js');
  const write = process.argv.includes('--write');
  const named = process.argv.slice(2).filter((a) => a !== '--write');
  const cases = named.length > 0 ? named : CALLGRIND_CASES;
  const runtimes = selectedRuntimes();
  const counts = await Promise.all(runtimes.map((runtime) => callgrind(runtimeBinary(runtime), cases)));
  for (const [i, runtime] of runtimes.entries()) {
    for (const [name, c] of Object.entries(counts[i]!)) {
      const line = `ours ${c.ours} instr/run, baseline ${c.baseline}, ratio ${c.ratio.toFixed(3)}, drift ${c.drift}`;
      process.stdout.write(`${runtime} ${name.padEnd(28)} ${line}\n`);
    }
  }
  if (!write) return;
  const file = new URL('./results.json', import.meta.url);
  const results = JSON.parse(readFileSync(file, 'utf8')) as {
    cases: Array<{ name: string; runtime: string; instructions?: InstructionCount }>;
    callgrind_generated?: string;
  };
  for (const row of results.cases) {
    const i = runtimes.indexOf(row.runtime);
    const count = i >= 0 ? counts[i]![row.name] : undefined;
    if (count !== undefined) row.instructions = count;
  }
  results.callgrind_generated = new Date().toISOString();
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
