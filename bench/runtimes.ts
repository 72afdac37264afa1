// The runtimes the bench runs on: Node 20 (the machine's `node`) and Node 24 from npm
// (tools/runtime.sh installs it on first use). BENCH_RUNTIMES=node20 (or node24) picks one.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const RUNTIMES = ['node20', 'node24'] as const;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const binaries = new Map<string, string>();

export function selectedRuntimes(): string[] {
  const wanted = process.env.BENCH_RUNTIMES?.split(',').filter((r) => r !== '') ?? [...RUNTIMES];
  for (const r of wanted) {
    if (!(RUNTIMES as readonly string[]).includes(r)) throw new Error(`no runtime ${r}: use ${RUNTIMES.join(', ')}`);
  }
  return wanted;
}

/** The binary of a runtime: the `node` running this script for node20, else tools/runtime.sh's. */
export function runtimeBinary(runtime: string): string {
  let binary = binaries.get(runtime);
  if (binary === undefined) {
    binary =
      runtime === 'node20' && process.versions.node.startsWith('20.')
        ? process.execPath
        : execFileSync(`${ROOT}tools/runtime.sh`, [runtime], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    binary = binary.trim();
    binaries.set(runtime, binary);
  }
  return binary;
}

export function runtimeVersion(runtime: string): string {
  return execFileSync(runtimeBinary(runtime), ['--version'], { encoding: 'utf8' }).trim();
}
