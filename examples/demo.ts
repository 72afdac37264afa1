// The demo: a small session host with instances in three directories, a reload, a dispose-all
// and one close that no lifecycle action explains, recorded into an in-memory exporter and printed.
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SessionLifecycleInstrumentation } from 'otel-session-lifecycle';
import { InstanceStore } from './instance-store.js';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const lifecycle = new SessionLifecycleInstrumentation();
lifecycle.setTracerProvider(provider);

// Adopting the package: the store's methods become lifecycle actions, in place.
const store: InstanceStore = lifecycle.instrumentStore(new InstanceStore(), {
  reload: 'instance_reload',
  dispose: 'instance_dispose',
  disposeDirectory: 'instance_dispose_directory',
  disposeAll: 'instance_dispose_all',
}, { scopeOf: (method, args) => (method === 'disposeAll' ? store.directories() : (args[0] as string)) });
const dirs = ['/tmp/demo/alpha', '/tmp/demo/beta', '/tmp/demo/gamma'];

function start(directory: string, id: string, ms: number) {
  const run = store.startRun(directory, id, ms, (how, reason) =>
    tracked.end(how === 'completed' ? { outcome: 'completed' } : { outcome: 'error', error: reason }),
  );
  const tracked = lifecycle.trackRun({ runId: id, sessionId: `session-${id}`, scope: directory, signal: run.controller.signal });
  return run;
}

const quick = start(dirs[0]!, 'run-quick', 5);
for (const [d, dir] of dirs.entries()) for (let i = 1; i <= 2; i++) start(dir, `run-${d}${i}`, 60_000);
await quick.done;
await store.reload(dirs[0]!);
start(dirs[1]!, 'run-crashed', 60_000);
store.crash(dirs[1]!);
for (const [d, dir] of dirs.entries()) if (d !== 1) start(dir, `run-${d}new`, 60_000);
await store.disposeAll();

const spans = exporter.getFinishedSpans();
const ms = (s: ReadableSpan) => (s.duration[0] * 1e3 + s.duration[1] / 1e6).toFixed(1) + ' ms';
const short = (id: string) => id.slice(0, 8);
const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
console.log('otel-session-lifecycle demo: spans recorded in memory (no collector needed)\n');
for (const action of spans.filter((s) => s.name.startsWith('lifecycle '))) {
  const a = action.attributes;
  console.log(`${action.name}  id=${a['session_host.lifecycle.action.id']}  interrupted=${a['session_host.lifecycle.runs_interrupted']}  ${ms(action)}`);
  const children = spans
    .filter((s) => s.parentSpanContext?.spanId === action.spanContext().spanId)
    .sort((x, y) => String(x.attributes['session_host.run.id']).localeCompare(String(y.attributes['session_host.run.id'])));
  for (const child of children) {
    const link = child.links[0]!.context;
    const run = byId.get(link.spanId);
    console.log(
      `  └─ ${child.name}  ${String(child.attributes['session_host.run.id']).padEnd(12)} ${child.attributes['session_host.close.classification']}` +
        `  → run ${short(link.traceId)}/${short(link.spanId)} (${run ? ms(run) : 'not exported'})`,
    );
  }
}
console.log('\nRun closes:');
const counts = new Map<string, number>();
for (const run of spans.filter((s) => s.name === 'run')) {
  const key = `${run.attributes['session_host.close.classification']}  ${run.attributes['session_host.close.summary_key']}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
for (const [key, count] of [...counts].sort()) console.log(`  ${String(count).padStart(3)}  ${key}`);
await provider.shutdown();
