// Instruction counts of the hot path, both sides, under `valgrind --tool=callgrind`: a figure the
// machine's load cannot move. bench/run.ts calls it for the noisy hot-path rows; alone:
// `node --import tsx bench/callgrind.ts [case ...]` (BENCH_RUNTIMES as for run.ts).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CALLGRIND_CASES = [
  'run_hot_path',
  'run_hot_path_no_signal',
  'run_hot_path_vs_listening',
  'per_run_controller',
];
const RUNS = 5_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface InstructionCount {
  ours: number;
  baseline: number;
  ratio: number;
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
    join(ROOT, 'bench/callgrind-target.ts'), '--bundle', '--platform=node', '--format=esm', '--target=node20',
    `--outfile=${out}`, '--log-level=warning', `--banner:js=${banner}`,
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
    const perRun = (counts: Map<string, number>, name: string): number => {
      const runs = counts.get(`${name}.runs`);
      const zero = counts.get(`${name}.zero`);
      if (runs === undefined || zero === undefined) throw new Error(`no callgrind dump for ${name}`);
      return (runs - zero) / RUNS;
    };
    const result: Record<string, InstructionCount> = {};
    for (const name of cases) {
      const o = perRun(ours!, name);
      const b = perRun(baseline!, name);
      result[name] = { ours: Math.round(o), baseline: Math.round(b), ratio: o / b };
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { runtimeBinary, selectedRuntimes } = await import('./runtimes.js');
  const cases = process.argv.length > 2 ? process.argv.slice(2) : CALLGRIND_CASES;
  for (const runtime of selectedRuntimes()) {
    const counts = await callgrind(runtimeBinary(runtime), cases);
    for (const [name, c] of Object.entries(counts)) {
      const line = `ours ${c.ours} instructions/run, baseline ${c.baseline}, ratio ${c.ratio.toFixed(3)}`;
      process.stdout.write(`${runtime} ${name.padEnd(28)} ${line}\n`);
    }
  }
}
