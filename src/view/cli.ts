#!/usr/bin/env node
// otel-session-lifecycle view FILE: the lifecycle tree and the close table of an OTLP/JSON file
// (an OTLP/HTTP request body sent with http/json, or a collector `file` exporter's output).
import { readFileSync } from 'node:fs';
import { spansFromOtlpJson } from './otlp-json.js';
import { renderCloseTable, renderLifecycleTree } from './tree.js';

const USAGE = `usage: otel-session-lifecycle view FILE [--no-color] [--width N]
  FILE  OTLP/JSON trace data: an ExportTraceServiceRequest body, or one per line
        (the collector's file exporter); - reads standard input`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const files = rest.filter((a, i) => !a.startsWith('--') && rest[i - 1] !== '--width');
  const widthAt = rest.indexOf('--width');
  const width = widthAt >= 0 ? Number(rest[widthAt + 1]) : (process.stdout.columns ?? 100);
  if (command !== 'view' || files.length !== 1 || (widthAt >= 0 && !Number.isFinite(width))) {
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  const file = files[0]!;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    process.stderr.write(`otel-session-lifecycle: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}\n`);
    return 1;
  }
  let spans;
  try {
    spans = spansFromOtlpJson(text);
  } catch (error) {
    process.stderr.write(`otel-session-lifecycle: ${file} is not OTLP/JSON trace data (${(error as Error).message})\n`);
    return 1;
  }
  const color = !rest.includes('--no-color') && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const options = { color, width: Math.min(Math.max(width, 40), 200) };
  process.stdout.write(renderLifecycleTree(spans, options) + '\n' + renderCloseTable(spans, options));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
