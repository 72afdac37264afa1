// The set-up entry's export wrapper, against a scripted exporter: one export at a time outside
// shutdown, success answered to the processor, batches given up and reported when the exporter
// stays busy, and the whole backlog at once from shutdown on.
import { describe, expect, it } from 'vitest';
import { SerialExporter, type ExportResultLike, type SpanExporterLike } from '../src/sdk/serial-exporter.js';

interface Call {
  spans: unknown[];
  finish(result: ExportResultLike): void;
}

function scripted(): SpanExporterLike & { calls: Call[]; open: number; maxOpen: number; shutDown: boolean } {
  const exporter = {
    calls: [] as Call[],
    open: 0,
    maxOpen: 0,
    shutDown: false,
    export(spans: unknown[], callback: (result: ExportResultLike) => void) {
      exporter.open++;
      exporter.maxOpen = Math.max(exporter.maxOpen, exporter.open);
      exporter.calls.push({
        spans,
        finish: (result) => {
          exporter.open--;
          callback(result);
        },
      });
    },
    async shutdown() {
      exporter.shutDown = true;
    },
  };
  return exporter;
}

const batch = (n: number): unknown[] => Array.from({ length: n }, (_, i) => i);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const answers = (): { results: ExportResultLike[]; callback: (result: ExportResultLike) => void } => {
  const results: ExportResultLike[] = [];
  return { results, callback: (result) => results.push(result) };
};

describe('SerialExporter', () => {
  it('runs one export at a time and answers each with its result', async () => {
    const inner = scripted();
    const exporter = new SerialExporter(inner, { answerWithinMs: 60_000, drainConcurrency: 10, onAbandoned: () => {} });
    const a = answers();
    for (let i = 0; i < 3; i++) exporter.export(batch(2), a.callback);
    expect(inner.calls).toHaveLength(1);
    inner.calls[0]!.finish({ code: 1, error: new Error('500') });
    await turn();
    expect(inner.calls).toHaveLength(2);
    inner.calls[1]!.finish({ code: 0 });
    await turn();
    inner.calls[2]!.finish({ code: 0 });
    await exporter.whenIdle();
    expect(a.results).toEqual([{ code: 1, error: new Error('500') }, { code: 0 }, { code: 0 }]);
    expect(inner.maxOpen).toBe(1);
    expect(exporter.maxInFlight).toBe(1);
  });

  it('gives up a batch still waiting when its answer is due, and reports its spans', async () => {
    const inner = scripted();
    const abandoned: number[] = [];
    const exporter = new SerialExporter(inner, {
      answerWithinMs: 20,
      drainConcurrency: 10,
      onAbandoned: (n) => abandoned.push(n),
    });
    const a = answers();
    exporter.export(batch(3), a.callback);
    exporter.export(batch(5), a.callback);
    // The first hangs past the deadline: both are answered as failed, the second never reaches the exporter.
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(a.results.map((r) => [r.code, r.error?.name])).toEqual([
      [1, 'timeout'],
      [1, 'timeout'],
    ]);
    expect(abandoned).toEqual([5]);
    expect(inner.calls).toHaveLength(1);
    // The hung export finishing late is not answered twice.
    inner.calls[0]!.finish({ code: 1 });
    await exporter.whenIdle();
    expect(a.results).toHaveLength(2);
  });

  it('from shutdown on: the backlog at once up to the drain limit, results passed through, then the exporter shut down', async () => {
    const inner = scripted();
    const exporter = new SerialExporter(inner, { answerWithinMs: 60_000, drainConcurrency: 4, onAbandoned: () => {} });
    const a = answers();
    for (let i = 0; i < 6; i++) exporter.export(batch(1), a.callback);
    expect(inner.open).toBe(1);
    const stopped = exporter.shutdown();
    expect(inner.open).toBe(4);
    inner.calls[0]!.finish({ code: 1, error: new Error('500') });
    for (let i = 1; i < 6; i++) {
      await turn();
      inner.calls[i]!.finish({ code: 0 });
    }
    await stopped;
    expect(inner.maxOpen).toBe(4);
    expect(a.results[0]).toMatchObject({ code: 1 });
    expect(a.results.slice(1)).toEqual(Array.from({ length: 5 }, () => ({ code: 0 })));
    expect(inner.shutDown).toBe(true);
  });
});
