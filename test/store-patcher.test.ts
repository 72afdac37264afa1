import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { InstanceStore } from '../examples/instance-store.js';
import { captureDiag, idOf, linkTargets, setup, type Harness } from './utils/harness.js';

const DIRS = ['/work/tenant-a/app', '/work/tenant-b/app', '/work/tenant-c/app'];

function instrumented(h: Harness) {
  const store = new InstanceStore();
  const returned = h.lifecycle.instrumentStore(
    store,
    {
      reload: 'instance_reload',
      dispose: 'instance_dispose',
      disposeDirectory: 'instance_dispose_directory',
      disposeAll: 'instance_dispose_all',
    },
    {
      scopeOf: (method, args) =>
        method === 'disposeAll' ? store.directories() : typeof args[0] === 'string' ? args[0] : undefined,
    },
  );
  expect(returned).toBe(store);
  return store;
}

/** A run started the way a host does: the store's controller, tracked, ended when it stops. */
function startRun(h: Harness, store: InstanceStore, dir: string, id: string) {
  const run = store.startRun(dir, id, 60_000, (how, reason) =>
    tracked.end(how === 'completed' ? { outcome: 'completed' } : { outcome: 'error', error: reason }),
  );
  const tracked = h.lifecycle.trackRun({ runId: id, scope: dir, signal: run.controller.signal });
  return run;
}

describe('instrumentStore', () => {
  it('makes a store whose disposeAll calls its own dispose one root with every run under it', async () => {
    const h = setup();
    const store = instrumented(h);
    for (const [d, dir] of DIRS.entries()) for (let i = 0; i < 4; i++) startRun(h, store, dir, `r${d}${i}`);
    await store.disposeAll();
    const actions = h.actionSpans();
    expect(actions.map((s) => s.name)).toEqual(['lifecycle instance_dispose_all']);
    const root = actions[0]!;
    expect(root.attributes['session_host.lifecycle.runs_interrupted']).toBe(12);
    expect(h.named('run closed')).toHaveLength(12);
    for (const run of h.named('run')) {
      expect(linkTargets(run)).toEqual([idOf(root)]);
      expect(run.attributes['session_host.close.classification']).toBe('local_instance_dispose');
    }
    expect(h.lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
  });

  it('records reload, dispose and disposeDirectory as their kinds, with the target scope registered', async () => {
    const h = setup();
    const store = instrumented(h);
    startRun(h, store, DIRS[0]!, 'a');
    startRun(h, store, DIRS[1]!, 'b');
    startRun(h, store, DIRS[2]!, 'c');
    await store.reload(DIRS[0]!);
    await store.dispose(DIRS[1]!);
    await store.disposeDirectory('/work/tenant-c');
    expect(h.actionSpans().map((s) => s.name)).toEqual([
      'lifecycle instance_reload',
      'lifecycle instance_dispose',
      'lifecycle instance_dispose_directory',
    ]);
    expect(['a', 'b', 'c'].map((id) => h.runSpan(id).attributes['session_host.close.classification'])).toEqual([
      'local_instance_reload',
      'local_instance_dispose',
      'local_instance_dispose',
    ]);
    expect(h.actionSpans()[0]!.attributes['session_host.lifecycle.scope_keys']).toEqual([
      h.lifecycle.scopeKey(DIRS[0]!),
    ]);
  });

  it('passes sync and async results, this, throws and rejections through unchanged', async () => {
    const h = setup();
    const failure = new RangeError('bad directory /home/carol/x');
    const store = {
      name: 'store',
      sync(this: { name: string }, dir: string) {
        return `${this.name}:${dir.length}`;
      },
      async later(this: { name: string }) {
        return this.name;
      },
      boom(): never {
        throw failure;
      },
      async reject(): Promise<never> {
        throw failure;
      },
    };
    h.lifecycle.instrumentStore(store, {
      sync: 'instance_reload',
      later: 'instance_dispose',
      boom: 'instance_reload',
      reject: 'idle_eviction',
    });
    expect(store.sync('/x/y')).toBe('store:4');
    const promise = store.later();
    expect(promise).toBeInstanceOf(Promise);
    expect(await promise).toBe('store');
    expect(() => store.boom()).toThrow(failure);
    await expect(store.reject()).rejects.toBe(failure);
    const spans = h.actionSpans();
    expect(spans.map((s) => s.name)).toEqual([
      'lifecycle instance_reload',
      'lifecycle instance_dispose',
      'lifecycle instance_reload',
      'lifecycle idle_eviction',
    ]);
    expect(spans.map((s) => s.status.code)).toEqual([
      SpanStatusCode.UNSET,
      SpanStatusCode.UNSET,
      SpanStatusCode.ERROR,
      SpanStatusCode.ERROR,
    ]);
    expect(spans[3]!.attributes['error.type']).toBe('RangeError');
    expect(JSON.stringify(spans.map((s) => [s.attributes, s.status]))).not.toContain('carol');
  });

  it('keeps the name and arity of wrapped methods, and does not double-wrap', async () => {
    const h = setup();
    const store = new InstanceStore();
    const original = store.reload;
    h.lifecycle.instrumentStore(store, { reload: 'instance_reload' });
    const wrapped = store.reload;
    expect(wrapped).not.toBe(original);
    expect(wrapped.name).toBe('reload');
    expect(wrapped.length).toBe(original.length);
    h.lifecycle.instrumentStore(store, { reload: 'config_reload' });
    expect(store.reload).toBe(wrapped);
    await store.reload('/tmp/x');
    expect(h.actionSpans().map((s) => s.name)).toEqual(['lifecycle config_reload']);
  });

  it('restores the original methods on disable and wraps again on enable', async () => {
    const h = setup();
    const store = new InstanceStore();
    const proto = Object.getPrototypeOf(store) as InstanceStore;
    h.lifecycle.instrumentStore(store, { reload: 'instance_reload', disposeAll: 'instance_dispose_all' });
    expect(Object.hasOwn(store, 'reload')).toBe(true);
    h.lifecycle.disable();
    expect(Object.hasOwn(store, 'reload')).toBe(false);
    expect(store.reload).toBe(proto.reload);
    await store.reload('/tmp/x');
    expect(h.actionSpans()).toHaveLength(0);
    h.lifecycle.enable();
    await store.reload('/tmp/x');
    expect(h.actionSpans()).toHaveLength(1);
  });

  it('rejects a bad set-up with a TypeError and leaves the store untouched', () => {
    const h = setup();
    const store = new InstanceStore();
    expect(() =>
      h.lifecycle.instrumentStore(store, { reload: 'instance_reload', nope: 'instance_reload' } as never),
    ).toThrow(/no method nope/);
    expect(() => h.lifecycle.instrumentStore(null as never, {} as never)).toThrow(TypeError);
    expect(Object.hasOwn(store, 'reload')).toBe(false);
    const frozen = Object.freeze({ reload() {} });
    expect(() => h.lifecycle.instrumentStore(frozen, { reload: 'instance_reload' })).toThrow(/does not allow it/);
  });

  it('survives a throwing scopeOf: the action still runs, on the default scopes', async () => {
    const diag = captureDiag();
    try {
      const h = setup();
      const store = new InstanceStore();
      h.lifecycle.instrumentStore(
        store,
        { reload: 'instance_reload' },
        {
          scopeOf: () => {
            throw new Error('scopeOf failed for /home/dave');
          },
        },
      );
      await store.reload('/tmp/x');
      expect(h.actionSpans()).toHaveLength(1);
      expect(h.actionSpans()[0]!.attributes['session_host.lifecycle.scope_keys']).toEqual([
        h.lifecycle.scopeKey('/tmp/x'),
      ]);
      expect(diag.lines.some((l) => l.includes('scopeOf for reload failed'))).toBe(true);
      expect(diag.lines.join('\n')).not.toContain('dave');
    } finally {
      diag.restore();
    }
  });
});
