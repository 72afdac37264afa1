// `npm run bench`: the package against what a careful host writes by hand with the same
// OpenTelemetry SDK, side by side. Each case runs in BENCH_PROCESSES (default 5) separate
// processes per runtime (Node 20 and Node 24), processes of the two runtimes alternating; each
// figure is the median over the processes, with its min–max. Then instruction counts for the
// hot-path rows whose ratio is noisy. Prints a table and writes bench/results.json.
// BENCH_ONLY=case,…  BENCH_RUNTIMES=node20|node24  BENCH_PROCESSES=n  BENCH_CALLGRIND=0|all
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CALLGRIND_CASES, callgrind, hasValgrind } from './callgrind.js';
import type { CaseResult } from './cases/common.js';
import { notes, summarise, table, type Summary } from './report.js';
import { RUNTIMES, runtimeBinary, runtimeVersion, selectedRuntimes } from './runtimes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * Each in a process of its own: a case models one host, and a process that ran other cases first
 * has compiled the package (and the SDK) for their option shapes, providers and span kinds, which
 * no one host mixes (dispose_all_100k measured 1.23 alone and 1.37 to 1.43 after one other case).
 */
const MAIN_CASES = [
  'run_hot_path',
  'run_hot_path_no_signal',
  'run_hot_path_vs_listening',
  'per_run_controller',
  'hot_path_meter_provider',
  'fanout_10k',
  'fanout_scaling',
  'fanout_scaling_host',
  'dispose_all_100k',
  'retained_heap',
  'exporter_down',
];
/** Each needs a fresh process (it starts the set-up entry's telemetry and shuts it down). */
const SOLO_CASES = ['shutdown_full_queue'];
/** Together in a process of their own: nothing may listen on the session_host channels before them. */
const CHANNEL_CASES = ['channel_idle', 'channel_subscribed'];

const only = process.env.BENCH_ONLY?.split(',').filter((c) => c !== '');
const ALL_CASES = [...MAIN_CASES, ...CHANNEL_CASES, ...SOLO_CASES];
for (const c of only ?? []) if (!ALL_CASES.includes(c)) throw new Error(`unknown case ${c}`);
const want = (c: string): boolean => only === undefined || only.includes(c);
const processes = Math.max(1, Number(process.env.BENCH_PROCESSES ?? 5));
const runtimes = selectedRuntimes();
const started = Date.now();
const loadStart = loadavg()[0]!;

/** One benchmark process on one runtime: its results, its progress lines passed to stderr. */
function worker(runtime: string, cases: string[], label: string): Promise<CaseResult[]> {
  const args = ['--no-warnings', '--expose-gc', '--import', 'tsx', 'bench/worker.ts'];
  const env = { ...process.env, BENCH_CASES: cases.join(',') };
  const child = spawn(runtimeBinary(runtime), args, { cwd: ROOT, env });
  const results: CaseResult[] = [];
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    process.stderr.write(d.toString().replace(/^ {4}/gm, `    ${label} `));
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      for (const line of out.split('\n')) {
        if (line.startsWith('BENCH_RESULT ')) results.push(JSON.parse(line.slice(13)) as CaseResult);
      }
      if (code === 0) resolve(results);
      else reject(new Error(`${label} exited with ${code}:\n${err.slice(-3000)}`));
    });
  });
}

const collected: Array<{ runtime: string; result: CaseResult }> = [];
const mainCases = MAIN_CASES.filter(want);
const channelCases = CHANNEL_CASES.filter(want);
const soloCases = SOLO_CASES.filter(want);
for (let p = 0; p < processes; p++) {
  // Alternate the runtimes' order, so neither always runs on a warmer or busier machine.
  for (const runtime of p % 2 === 0 ? runtimes : [...runtimes].reverse()) {
    const alone = [...mainCases, ...soloCases].map((c) => [c]);
    const groups = [...alone, channelCases].filter((g) => g.length > 0);
    for (const cases of groups) {
      const label = `[${runtime} ${p + 1}/${processes}]`;
      process.stderr.write(`  ${label} ${cases.length > 1 ? `${cases.length} cases` : cases[0]} (${elapsed()})\n`);
      for (const result of await worker(runtime, cases, label)) collected.push({ runtime, result });
    }
  }
}
const timedSeconds = (Date.now() - started) / 1000;

const rows: Summary[] = [];
for (const name of ALL_CASES) {
  for (const runtime of runtimes) {
    const results = collected.filter((c) => c.runtime === runtime && c.result.name === name).map((c) => c.result);
    if (results.length > 0) rows.push(summarise(name, runtime, results));
  }
}

// Instruction counts where a hot-path ratio is noisy (or for all of them with BENCH_CALLGRIND=all).
const callgrindMode = process.env.BENCH_CALLGRIND ?? 'noisy';
let callgrindSeconds = 0;
if (callgrindMode !== '0' && hasValgrind()) {
  const startedCallgrind = Date.now();
  await Promise.all(
    runtimes.map(async (runtime) => {
      const hot = rows.filter((r) => r.runtime === runtime && CALLGRIND_CASES.includes(r.name));
      const pick = hot.filter((r) => r.noisy || callgrindMode === 'all');
      if (pick.length === 0) return;
      process.stderr.write(`  [${runtime}] callgrind: ${pick.map((r) => r.name).join(', ')} (${elapsed()})\n`);
      const counts = await callgrind(
        runtimeBinary(runtime),
        pick.map((r) => r.name),
      );
      for (const r of pick) r.instructions = counts[r.name];
    }),
  );
  callgrindSeconds = Math.round((Date.now() - startedCallgrind) / 1000);
}

function elapsed(): string {
  const s = Math.round((Date.now() - started) / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
const versionOf = (pkg: string): string =>
  (JSON.parse(readFileSync(`${ROOT}node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
const git = (...args: string[]): string => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memory_gib: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  load_average_start: loadStart,
  load_average_end: loadavg()[0]!,
};
const results = {
  generated: new Date().toISOString(),
  commit: git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--', 'src').length > 0 ? '+dirty' : ''),
  machine,
  runtimes: Object.fromEntries(runtimes.map((r) => [r, runtimeVersion(r)])),
  sdk: Object.fromEntries(['api', 'sdk-trace-base', 'sdk-metrics'].map((p) => [p, versionOf(`@opentelemetry/${p}`)])),
  processes_per_runtime: processes,
  timed_seconds: Math.round(timedSeconds),
  callgrind_seconds: callgrindSeconds,
  total_seconds: Math.round((Date.now() - started) / 1000),
  cases: rows,
};

const load = `load ${machine.load_average_start.toFixed(1)}→${machine.load_average_end.toFixed(1)}`;
const versions = Object.entries(results.runtimes)
  .map(([r, v]) => `${r} ${v}`)
  .join(', ');
process.stdout.write(
  `\n${machine.cpu}, ${machine.cores} cores, ${load}; ${versions}; medians of ${processes} processes\n\n` +
    `${table(rows)}\n\n${notes(rows)}\n\n` +
    `${elapsed()} in all: ${results.timed_seconds} s timed cases, ${callgrindSeconds} s callgrind\n`,
);
const complete = only === undefined && runtimes.length === RUNTIMES.length && processes >= 5;
if (complete) writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
else process.stdout.write('partial run (BENCH_ONLY, BENCH_RUNTIMES, BENCH_PROCESSES < 5): results.json left alone\n');
