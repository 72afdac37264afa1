// `npm run demo`: the example session host, in-process on loopback, driven over HTTP through a
// short scenario: runs in four projects, a reload, a worker crash nobody explains, a dispose-all.
// Spans go to an in-memory exporter (no collector needed) and are printed as lifecycle trees;
// with OTEL_EXPORTER_OTLP_ENDPOINT set they are also exported there. `npm run demo -- --channels`
// (or SESSION_HOST_CHANNELS=1) runs the channel-only host: its store publishes on
// node:diagnostics_channel, and the instrumentation created here hears it; the trees are the same.
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';
import { renderCloseTable, renderLifecycleHtml, renderLifecycleTree } from 'otel-session-lifecycle/view';
import { startSessionHost } from './session-host/host.js';

const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const memory = new InMemorySpanExporter();
const processors: SpanProcessor[] = [new SimpleSpanProcessor(memory)];
if (endpoint) processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
const provider = new BasicTracerProvider({ spanProcessors: processors });
const lifecycle = new SessionLifecycleInstrumentation();
lifecycle.setTracerProvider(provider);

const channels = process.argv.includes('--channels') || process.env.SESSION_HOST_CHANNELS === '1';
const host = await startSessionHost(channels ? { channels } : { lifecycle });
const call = async (path: string, body: Record<string, unknown> = {}): Promise<Record<string, string>> => {
  const response = await fetch(`${host.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as Record<string, string>;
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const projects: Record<string, string> = {};
for (const name of ['alpha', 'beta', 'gamma', 'delta']) projects[name] = (await call('/projects', { name })).directory!;
await call('/runs', { directory: projects.alpha, sessionId: 'session-a', ms: 20 });
for (const name of ['alpha', 'alpha', 'beta', 'beta', 'gamma', 'gamma', 'delta', 'delta']) {
  await call('/runs', { directory: projects[name], sessionId: `session-${name[0]}` });
}
await pause(60); // the short run completes
await call('/reload', { directory: projects.alpha });
await call('/crash', { directory: projects.beta }); // a worker dies: no lifecycle call explains it
await call('/runs', { directory: projects.alpha, sessionId: 'session-a' });
await pause(5);
await call('/dispose-all');
await pause(20);
const snapshot = lifecycle.snapshot();
const spans = [...memory.getFinishedSpans()]; // a copy: host.close() below disposes again
await host.close();

const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
const out = process.stdout;
out.write('otel-session-lifecycle demo: an example session host on loopback, driven over HTTP\n');
if (channels) out.write('channel-only host: its store publishes on node:diagnostics_channel, with no dependency\n');
out.write(
  endpoint
    ? `spans recorded in memory and exported to ${endpoint}\n\n`
    : 'spans recorded in memory (set OTEL_EXPORTER_OTLP_ENDPOINT to also export them)\n\n',
);
out.write(renderLifecycleTree(spans, { color, width: 100 }));
out.write(`\nrun closes\n${renderCloseTable(spans, { color, width: 100 })}`);
const counts = Object.entries(snapshot.closes_by_classification)
  .filter(([, n]) => n > 0)
  .map(([c, n]) => `${c}=${n}`);
out.write(
  `\nlifecycle.snapshot() (schema ${snapshot.schema_version}): ${snapshot.recent_closes.length} recent closes kept\n`,
);
out.write(`closes since start: ${counts.join(' ')}\n`);
// The same spans and snapshot as one self-contained HTML page (git-ignored demo-output/).
const htmlDir = fileURLToPath(new URL('../demo-output/', import.meta.url));
const htmlFile = `${htmlDir}${channels ? 'lifecycle-channels' : 'lifecycle'}.html`;
mkdirSync(htmlDir, { recursive: true });
const sources = ['npm run demo: spans in memory', 'lifecycle.snapshot()'];
writeFileSync(
  htmlFile,
  renderLifecycleHtml({ spans, snapshots: [snapshot] }, { title: 'Session lifecycle: demo', sources }),
);
out.write(`HTML view: ${relative(process.cwd(), htmlFile)} (open it in a browser)\n`);
try {
  await provider.shutdown();
} catch (error) {
  const code = (error as { code?: unknown }).code;
  out.write(
    `could not export to ${endpoint} (${typeof code === 'string' ? code : 'export failed'}); the output above is complete\n`,
  );
}
