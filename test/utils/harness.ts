import { context, diag, DiagLogLevel } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { SessionLifecycleInstrumentation, type RunHandle, type SessionLifecycleConfig } from '../../src/index.js';

let contextManagerSet = false;

/** A lifecycle instrumentation writing to an in-memory exporter, with a real context manager. */
/** Kinds the tests use besides the built-in ones: declared, as a host declares its own. */
export const TEST_KINDS = ['idle_eviction', 'config_reload', 'maintenance_dispose'];

export function setup(config: SessionLifecycleConfig<string> = {}) {
  if (!contextManagerSet) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerSet = true;
  }
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const lifecycle = new SessionLifecycleInstrumentation<string>({ kinds: TEST_KINDS, ...config });
  lifecycle.setTracerProvider(provider);
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const named = (name: string): ReadableSpan[] => spans().filter((s) => s.name === name);
  const actionSpans = (): ReadableSpan[] => spans().filter((s) => s.name.startsWith('lifecycle '));
  const runSpan = (runId: string): ReadableSpan => {
    const found = named('run').filter((s) => s.attributes['session_host.run.id'] === runId);
    if (found.length !== 1) throw new Error(`expected one run span for ${runId}, found ${found.length}`);
    return found[0]!;
  };
  const closedRunSpan = (runId: string): ReadableSpan | undefined =>
    named('run closed').find((s) => s.attributes['session_host.run.id'] === runId);
  return { exporter, provider, lifecycle, spans, named, actionSpans, runSpan, closedRunSpan };
}

export type Harness = ReturnType<typeof setup>;

/**
 * A run the way a host runs one: its own AbortController, and a catch that ends the run with the
 * AbortError a moment after the abort (as an awaiting host does).
 */
export function hostRun(
  lifecycle: SessionLifecycleInstrumentation<string>,
  scope: string,
  runId: string,
  sessionId = 'session-1',
): { controller: AbortController; run: RunHandle; ended: Promise<void> } {
  const controller = new AbortController();
  const run = lifecycle.trackRun({ runId, sessionId, scope, signal: controller.signal });
  const ended = new Promise<void>((resolve) => {
    controller.signal.addEventListener('abort', () => {
      queueMicrotask(() => {
        run.end({ outcome: 'error', error: controller.signal.reason });
        resolve();
      });
    });
  });
  return { controller, run, ended };
}

/** Captures the diag log lines (WARN and above unless told otherwise). */
export function captureDiag(level = DiagLogLevel.WARN): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const write = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  diag.setLogger(
    { error: write, warn: write, info: write, debug: write, verbose: write },
    { logLevel: level, suppressOverrideMessage: true },
  );
  return { lines, restore: () => diag.disable() };
}

export function linkTargets(span: ReadableSpan): string[] {
  return span.links.map((l) => `${l.context.traceId}/${l.context.spanId}`);
}

export function idOf(span: ReadableSpan): string {
  const c = span.spanContext();
  return `${c.traceId}/${c.spanId}`;
}

/** A promise and its resolver, created in the caller's async context. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
