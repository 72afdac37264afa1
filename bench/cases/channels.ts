// The diagnostics-channel contract (docs/channels.md), from the host's side: what publishing costs
// when nobody listens, and what the channel path costs against the direct API when the package
// listens. Both cases run in a process of their own (bench/run.ts): no instrumentation may exist
// before the first one, and only one may listen during the second.
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { comparePair, type Side } from '../harness.js';
import { CountingProcessor, lifecycleOn, pairResult, progress, RUN_IDS, SCOPES, type CaseFn } from './common.js';

const lifecycleChannel = diagnosticsChannel.tracingChannel('session_host:lifecycle');
const runChannel = diagnosticsChannel.tracingChannel('session_host:run');

/** A host's instance: its generation and the controllers of its runs. */
interface Instance {
  generation: number;
  readonly runs: Set<AbortController>;
}
const instances = new Map(SCOPES.map((scope): [string, Instance] => [scope, { generation: 1, runs: new Set() }]));

/** The store's reload, the same on both sides: abort the instance's runs, start a new generation. */
async function reloadPlain(directory: string): Promise<void> {
  const instance = instances.get(directory)!;
  for (const controller of instance.runs) controller.abort();
  instance.runs.clear();
  instance.generation++;
}

/** The same store call as a host that publishes writes it: the check, then the plain call. */
function reloadPublished(directory: string): Promise<void> {
  return lifecycleChannel.start.hasSubscribers
    ? lifecycleChannel.tracePromise(() => reloadPlain(directory), { kind: 'instance_reload', scopes: [directory] })
    : reloadPlain(directory);
}

/** Its synchronous twin (informational): a store call with no promise, where the check weighs most. */
function bumpPlain(directory: string): number {
  return ++instances.get(directory)!.generation;
}
function bumpPublished(directory: string): number {
  return lifecycleChannel.start.hasSubscribers
    ? lifecycleChannel.traceSync(() => bumpPlain(directory), { kind: 'instance_reload', scopes: [directory] })
    : bumpPlain(directory);
}

const awaitedSide = (call: (directory: string) => Promise<void>): Side => ({
  async run(ops) {
    for (let i = 0; i < ops; i++) await call(SCOPES[i & 15]!);
  },
});
const syncSide = (call: (directory: string) => number): Side => ({
  run(ops) {
    let sum = 0;
    for (let i = 0; i < ops; i++) sum += call(SCOPES[i & 15]!);
    if (sum === -1) throw new Error('unreachable');
  },
});

/** Work that ends when `finish` is called, or fails with the signal's reason when it aborts. */
function work(signal: AbortSignal): { promise: Promise<void>; finish: () => void } {
  let finish!: () => void;
  const promise = new Promise<void>((resolve, reject) => {
    finish = resolve;
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  return { promise, finish };
}

const ignore = (): void => {};

export const channelCases: Record<string, CaseFn> = {
  /** (a) A store call with the publishing check and nobody listening, against the plain call. */
  async channel_idle() {
    if (lifecycleChannel.start.hasSubscribers || runChannel.start.hasSubscribers) {
      throw new Error('channel_idle needs a process where nothing listens on the session_host channels');
    }
    const r = await comparePair(awaitedSide(reloadPublished), awaitedSide(reloadPlain), {
      ops: 100_000,
      samples: 41,
      warmup: 5,
    });
    const sync = await comparePair(syncSide(bumpPublished), syncSide(bumpPlain), {
      ops: 200_000,
      samples: 31,
      warmup: 5,
    });
    progress('channel_idle');
    const result = pairResult('channel_idle', r);
    result.extra = { sync_call_ratio: sync.ratio, sync_call_ns_added: sync.oursNs - sync.baselineNs };
    return result;
  },

  /**
   * (b) The package listening: per operation two runs in one scope, one completes and one is
   * interrupted by a reload of the scope, traced on the channels, against the same through
   * `trackRun` and `action` on the same instrumentation.
   */
  async channel_subscribed() {
    const provider = new BasicTracerProvider({ spanProcessors: [new CountingProcessor()] });
    const lifecycle = lifecycleOn(provider);
    const channelOp = async (i: number): Promise<void> => {
      const scope = SCOPES[i & 15]!;
      const runs = [0, 1].map((k) => {
        const controller = new AbortController();
        const { promise, finish } = work(controller.signal);
        const context = {
          runId: RUN_IDS[(2 * i + k) & 1023]!,
          sessionId: 'session-1',
          scope,
          signal: controller.signal,
        };
        const done = runChannel.tracePromise(() => promise, context).then(ignore, ignore);
        return { controller, finish, done };
      });
      runs[0]!.finish();
      await runs[0]!.done;
      const reload = async (): Promise<void> => {
        runs[1]!.controller.abort();
        await runs[1]!.done;
      };
      await lifecycleChannel.tracePromise(reload, { kind: 'instance_reload', scopes: [scope] });
    };
    const directOp = async (i: number): Promise<void> => {
      const scope = SCOPES[i & 15]!;
      const runs = [0, 1].map((k) => {
        const controller = new AbortController();
        const { promise, finish } = work(controller.signal);
        const runId = RUN_IDS[(2 * i + k) & 1023]!;
        const run = lifecycle.trackRun({ runId, sessionId: 'session-1', scope, signal: controller.signal });
        const done = promise.then(
          () => run.end({ outcome: 'completed' }),
          (error: unknown) => run.end({ error }),
        );
        return { controller, finish, done };
      });
      runs[0]!.finish();
      await runs[0]!.done;
      await lifecycle.action('instance_reload', { scopes: [scope] }, async () => {
        runs[1]!.controller.abort();
        await runs[1]!.done;
      });
    };
    // Node's own share: the direct API, each call also traced on channels of other names that
    // no-op subscribers hear (a bound store on the lifecycle one, as the package binds its own).
    const otherRun = diagnosticsChannel.tracingChannel('bench_other:run');
    const otherLifecycle = diagnosticsChannel.tracingChannel('bench_other:lifecycle');
    const noop = (): void => {};
    const noops = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
    otherRun.subscribe(noops);
    otherLifecycle.subscribe(noops);
    const otherStore = new AsyncLocalStorage<object>();
    otherLifecycle.start.bindStore(otherStore, (context) => context as object);
    const tracedDirectOp = async (i: number): Promise<void> => {
      const scope = SCOPES[i & 15]!;
      const runs = [0, 1].map((k) => {
        const controller = new AbortController();
        const { promise, finish } = work(controller.signal);
        const runId = RUN_IDS[(2 * i + k) & 1023]!;
        const run = lifecycle.trackRun({ runId, sessionId: 'session-1', scope, signal: controller.signal });
        const traced = otherRun.tracePromise(() => promise, { runId, scope, signal: controller.signal });
        const done = traced.then(
          () => run.end({ outcome: 'completed' }),
          (error: unknown) => run.end({ error }),
        );
        return { controller, finish, done };
      });
      runs[0]!.finish();
      await runs[0]!.done;
      const reload = () =>
        lifecycle.action('instance_reload', { scopes: [scope] }, async () => {
          runs[1]!.controller.abort();
          await runs[1]!.done;
        });
      await otherLifecycle.tracePromise(reload, { kind: 'instance_reload', scopes: [scope] });
    };
    const side = (op: (i: number) => Promise<void>): Side => ({
      async run(ops) {
        for (let i = 0; i < ops; i++) await op(i);
      },
    });
    const before = lifecycle.snapshot().closes_by_classification;
    const r = await comparePair(side(channelOp), side(directOp), { ops: 2_000, samples: 31, warmup: 5 });
    const after = lifecycle.snapshot().closes_by_classification;
    const node = await comparePair(side(channelOp), side(tracedDirectOp), { ops: 2_000, samples: 21, warmup: 3 });
    otherRun.unsubscribe(noops);
    otherLifecycle.unsubscribe(noops);
    otherLifecycle.start.unbindStore(otherStore);
    lifecycle.disable();
    progress('channel_subscribed');
    const result = pairResult('channel_subscribed', r, 2);
    // Proof that both sides did the work: every operation closed one run as success and one as a reload.
    const reloads = after.local_instance_reload - before.local_instance_reload;
    result.extra = {
      reload_closes: reloads,
      success_closes: after.success - before.success,
      // The channel path against the direct API plus Node's tracing alone: what the package's
      // subscriber adds (1.00: nothing beyond what tracePromise itself costs).
      vs_direct_with_node_tracing: node.ratio,
      node_tracing_ratio: node.baselineNs / r.baselineNs,
    };
    return result;
  },
};
