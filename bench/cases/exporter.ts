// Through the set-up entry point (`otel-session-lifecycle/setup`), as a user starts it: the hot
// path while the OTLP endpoint is down, and a full span queue at shutdown.
import { Worker } from 'node:worker_threads';
import type { TracerProvider } from '@opentelemetry/api';
import { DEFAULT_MAX_QUEUE_SIZE, startTelemetry, type TelemetryHandle } from '../../dist/sdk/setup.js';
import { comparePair, gc, nextTurn, type Side } from '../harness.js';
import { freePort } from '../../support/net.js';
import { startReceiver } from '../../support/otlp-receiver.js';
import { lifecycleOn, never, pairResult, progress, RUN_IDS, SCOPES, type CaseResult } from './common.js';

/**
 * startTelemetry() starts once per process; exporter_down needs two (endpoint down, endpoint up)
 * side by side, so it forgets the first before starting the second. The OTLP exporter reads its
 * endpoint from the environment when it is built.
 */
async function telemetryAt(endpoint: string): Promise<TelemetryHandle> {
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('otel-session-lifecycle.telemetry')];
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
  const handle = await startTelemetry({ handleExit: false });
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return handle;
}

/** An OTLP/HTTP endpoint that answers 200 to everything, on its own thread (the other core). */
async function sinkOnWorker(): Promise<{ url: string; stop(): Promise<number> }> {
  const code = `
    const { createServer } = require('node:http');
    const { parentPort } = require('node:worker_threads');
    let requests = 0;
    const server = createServer((req, res) => {
      req.on('data', () => {});
      req.on('end', () => { requests++; res.writeHead(200, { 'content-type': 'application/x-protobuf' }); res.end(); });
    });
    server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
    parentPort.on('message', () => parentPort.postMessage(requests));`;
  const worker = new Worker(code, { eval: true });
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      const requests = new Promise<number>((resolve) => worker.once('message', resolve));
      worker.postMessage('count');
      const count = await requests;
      await worker.terminate();
      return count;
    },
  };
}

function hotPath(provider: TracerProvider): Side {
  const lifecycle = lifecycleOn(provider);
  return {
    async run(ops) {
      for (let done = 0; done < ops; done += 1000) {
        for (let i = 0; i < 1000; i++) {
          const scope = SCOPES[i & 15]!;
          lifecycle.trackRun({ runId: RUN_IDS[i & 1023]!, sessionId: 'session-1', scope, signal: never }).end();
        }
        await nextTurn(); // let the span processor export, as a host's event loop would
      }
    },
  };
}

const SOAK_ROUNDS = 6;
const HELD_PER_ROUND = 50;

/**
 * The endpoint stays down for SOAK_ROUNDS queue turnovers (two queues of completed runs each, and
 * a dispose closing HELD_PER_ROUND runs): the heap after each round, once the queue is full.
 */
async function soak(provider: TracerProvider): Promise<number[]> {
  const lifecycle = lifecycleOn(provider);
  const heaps: number[] = [];
  for (let round = 0; round < SOAK_ROUNDS; round++) {
    for (let done = 0; done < 2 * DEFAULT_MAX_QUEUE_SIZE; done += 1000) {
      for (let i = 0; i < 1000; i++) {
        const scope = SCOPES[i & 15]!;
        lifecycle.trackRun({ runId: RUN_IDS[i & 1023]!, sessionId: 'session-1', scope, signal: never }).end();
      }
      await nextTurn();
    }
    const scope = SCOPES[99]!;
    const held = Array.from({ length: HELD_PER_ROUND }, (_, i) =>
      lifecycle.trackRun({ runId: RUN_IDS[50_000 + i]!, sessionId: 'session-2', scope, signal: null }),
    );
    await lifecycle.action('instance_dispose', { scopes: [scope] }, () => {
      lifecycle.closeScope(scope);
      for (const run of held) run.end({ outcome: 'interrupted' });
    });
    gc();
    heaps.push(process.memoryUsage().heapUsed);
  }
  return heaps;
}

/**
 * run_hot_path through the set-up entry with the endpoint down (a closed port) vs up, then the
 * down side kept down for several queue turnovers: the heap stays flat, and the full queue drops
 * completed runs, not the evidence.
 */
export async function exporterDown(): Promise<CaseResult> {
  const sink = await sinkOnWorker();
  const down = await telemetryAt(`http://127.0.0.1:${await freePort()}`);
  const up = await telemetryAt(sink.url);
  if (down === up) throw new Error('startTelemetry returned the same handle twice; exporter_down needs two');
  gc();
  const before = process.memoryUsage().heapUsed;
  const pair = { ops: 20_000, samples: 15, warmup: 3 };
  const r = await comparePair(hotPath(down.tracerProvider), hotPath(up.tracerProvider), pair);
  await up.forceFlush(); // the growth is then the down side's, not spans still queued on the up side
  gc();
  const growth = process.memoryUsage().heapUsed - before;
  const heaps = await soak(down.tracerProvider);
  const lost = await down.droppedSpans();
  const requests = await sink.stop();
  progress('exporter_down');
  const byKind = lost.queueFullByKind;
  // The handles are left running: the down one would wait out its export timeout; the process ends.
  return {
    ...pairResult('exporter_down', r),
    extra: {
      heap_growth_bytes: growth,
      heap_after_soak_bytes: heaps[heaps.length - 1]! - before,
      heap_drift_bytes: Math.max(...heaps) - Math.min(...heaps),
      down_export_failed: lost.exportFailed,
      down_queue_full: lost.queueFull,
      down_queue_full_run_completed: byKind.run_completed,
      down_queue_full_evidence: byKind.run_lifecycle + byKind.run_closed + byKind.action,
      down_queue_full_other: byKind.run_other + byKind.other,
      up_requests: requests,
    },
  };
}

/**
 * Fills the set-up entry's span queue in one synchronous burst (run spans ended by the package),
 * shuts down, and counts what reached a loopback OTLP receiver. Needs a process of its own.
 */
export async function shutdownFullQueue(): Promise<CaseResult> {
  const receiver = await startReceiver();
  const telemetry = await telemetryAt(receiver.url);
  const lifecycle = lifecycleOn(telemetry.tracerProvider);
  const spans = DEFAULT_MAX_QUEUE_SIZE;
  for (let i = 0; i < spans; i++) {
    lifecycle.trackRun({ runId: RUN_IDS[i]!, sessionId: 'session-1', scope: SCOPES[i & 15]!, signal: never }).end();
  }
  const start = process.hrtime.bigint();
  const outcome = await telemetry.shutdown().then(
    () => 1,
    () => 0,
  );
  const shutdownNs = Number(process.hrtime.bigint() - start);
  const receivedAtReturn = receiver.spans().length;
  // Whatever is still on the wire when shutdown returns: wait until nothing new arrives for 1 s.
  for (let seen = -1, quietSince = Date.now(); Date.now() - quietSince < 1000; ) {
    const now = receiver.spans().length;
    if (now !== seen) [seen, quietSince] = [now, Date.now()];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const received = receiver.spans().length;
  // After shutdown droppedSpans() may reject (its metric reader is shut down): -1 then.
  const totals = await Promise.resolve()
    .then(() => telemetry.droppedSpans())
    .catch(() => ({ queueFull: -1, exportFailed: -1 }));
  await receiver.close();
  progress('shutdown_full_queue');
  return {
    name: 'shutdown_full_queue',
    unit: 'spans',
    ours: spans - received,
    extra: {
      spans_ended: spans,
      spans_received: received,
      received_when_shutdown_returned: receivedAtReturn,
      shutdown_ms: shutdownNs / 1e6,
      shutdown_resolved: outcome,
      reported_queue_full: totals.queueFull,
      reported_export_failed: totals.exportFailed,
    },
  };
}
