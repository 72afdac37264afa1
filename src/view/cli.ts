#!/usr/bin/env node
// otel-session-lifecycle view FILE...: the lifecycle tree and the close table of OTLP/JSON files
// (OTLP/HTTP request bodies sent with http/json, or a collector `file` exporter's output) and
// diagnostics snapshots, in the terminal or, with --html OUT, as one self-contained HTML page.
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { renderLifecycleHtml } from './html.js';
import type { SnapshotLike } from '../snapshot-format.js';
import { lifecycleDataFromFiles, type LifecycleFile } from './inputs.js';
import { renderCloseTable, renderLifecycleTree } from './tree.js';

const USAGE = `usage: otel-session-lifecycle view FILE... [--html OUT] [--no-color] [--width N]
  FILE        OTLP/JSON trace data (an ExportTraceServiceRequest body, an array of them, or one
              per line as the collector's file exporter writes), or a diagnostics snapshot
              (lifecycle.snapshot() as JSON); several files make one view; - reads standard input
  --html OUT  write a self-contained HTML view to OUT (opens from disk, no network requests)
  --no-color  no ANSI colours in the terminal view
  --width N   cut terminal lines to N columns (default: the terminal's width)`;

const fail = (message: string): number => {
  process.stderr.write(`otel-session-lifecycle: ${message}\n`);
  return 1;
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function snapshotLine(snapshot: SnapshotLike): string {
  const counts = new Map<string, number>();
  for (const close of snapshot.recent_closes)
    counts.set(close.classification, (counts.get(close.classification) ?? 0) + 1);
  const list = [...counts].map(([c, n]) => `${c}=${n}`).join(' ');
  const when = snapshot.taken_at === undefined ? '' : ` taken ${snapshot.taken_at}`;
  return `diagnostics snapshot${when}: ${snapshot.recent_closes.length} recent closes${list ? ` (${list})` : ''}\n`;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const parse = () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: { html: { type: 'string' }, 'no-color': { type: 'boolean' }, width: { type: 'string' } },
    });
  let parsed: ReturnType<typeof parse> | undefined;
  try {
    parsed = parse();
  } catch {
    parsed = undefined;
  }
  const [command, ...files] = parsed?.positionals ?? [];
  const width = parsed?.values.width === undefined ? (process.stdout.columns ?? 100) : Number(parsed.values.width);
  const stdinTwice = files.filter((f) => f === '-').length > 1;
  if (parsed === undefined || command !== 'view' || files.length === 0 || !Number.isFinite(width) || stdinTwice) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const inputs: LifecycleFile[] = [];
  for (const file of files) {
    try {
      const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
      inputs.push({ name: file === '-' ? 'standard input' : file, text });
    } catch (error) {
      return fail(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  let data: ReturnType<typeof lifecycleDataFromFiles>;
  try {
    data = lifecycleDataFromFiles(inputs);
  } catch (error) {
    return fail((error as Error).message);
  }
  const out = parsed.values.html;
  if (out !== undefined) {
    const sources = inputs.map((f) => f.name);
    try {
      writeFileSync(out, renderLifecycleHtml(data, { sources }));
    } catch (error) {
      return fail(`cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    process.stdout.write(`wrote ${out}\n`);
    return 0;
  }
  const color = parsed.values['no-color'] !== true && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const options = { color, width: Math.min(Math.max(width, 40), 200) };
  // The same model as the HTML view: spans and the snapshots' closes, each run once.
  const view = `${renderLifecycleTree(data, options)}\n${renderCloseTable(data, options)}`;
  const snapshots = data.snapshots.map(snapshotLine).join('');
  process.stdout.write(view + (snapshots === '' ? '' : `\n${snapshots}`));
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
