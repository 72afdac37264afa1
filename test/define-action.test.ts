// defineAction: a function made a lifecycle action where it is defined, so every caller (a facade,
// a finalizer, an internal reload) goes through it; and the default scopes a call falls back to.
import { Effect } from 'effect';
import { describe, expect, it } from 'vitest';
import { captureDiag, setup } from './utils/harness.js';
import { DIR_A, DIR_B, expectedKey } from './utils/dirs.js';

describe('defineAction', () => {
  it('makes every call an action of its kind, whoever calls it; nested calls join', async () => {
    const h = setup();
    const closed: string[] = [];
    const dispose = h.lifecycle.defineAction('instance_dispose', async (directory: string) => {
      closed.push(directory);
      h.lifecycle.closeScope(directory);
      return directory.length;
    });
    const disposeAll = h.lifecycle.defineAction('instance_dispose_all', async (directories: string[]) => {
      // The store's own dispose-all calls its internal dispose: the same defined function.
      const sizes = await Promise.all(directories.map((d) => dispose(d)));
      return sizes.reduce((a, b) => a + b, 0);
    });
    const a = h.lifecycle.trackRun({ runId: 'a', scope: DIR_A });
    const b = h.lifecycle.trackRun({ runId: 'b', scope: DIR_B });
    // A facade that never sees an instrumented object.
    const facade = { disposeAll: () => disposeAll([DIR_A, DIR_B]) };
    expect(await facade.disposeAll()).toBe(DIR_A.length + DIR_B.length);
    a.end();
    b.end();
    expect(await dispose(DIR_A)).toBe(DIR_A.length);
    expect(closed).toEqual([DIR_A, DIR_B, DIR_A]);
    const kinds = h.actionSpans().map((s) => s.attributes['session_host.lifecycle.kind']);
    expect(kinds).toEqual(['instance_dispose_all', 'instance_dispose']);
    const all = h.actionSpans()[0]!;
    expect(all.attributes['session_host.lifecycle.runs_interrupted']).toBe(2);
    expect(all.attributes['session_host.lifecycle.scope_keys']).toEqual([expectedKey(DIR_A), expectedKey(DIR_B)]);
    expect(h.runSpan('a').attributes['session_host.close.classification']).toBe('local_instance_dispose');
    expect(h.runSpan('a').attributes['session_host.close.provenance']).toBe('context');
  });

  it('passes this, arguments, return values and throws through; keeps the name and length', () => {
    const h = setup();
    const store = {
      prefix: 'v',
      reload: h.lifecycle.defineAction('instance_reload', function reload(this: { prefix: string }, n: number) {
        if (n < 0) throw new RangeError('negative');
        return `${this.prefix}${n}`;
      }),
    };
    expect(store.reload(2)).toBe('v2');
    expect(() => store.reload(-1)).toThrow(RangeError);
    expect(store.reload.name).toBe('reload');
    expect(store.reload.length).toBe(1);
    expect(h.actionSpans().map((s) => s.attributes['session_host.lifecycle.outcome'])).toEqual(['ok', 'error']);
    h.lifecycle.disable();
    expect(store.reload(3)).toBe('v3');
    expect(h.actionSpans()).toHaveLength(2);
  });

  it('reads scopes from the first argument by default and when scopeOf answers undefined', () => {
    const h = setup();
    const byContext = h.lifecycle.defineAction('instance_dispose', (_ctx: { directory: string }) => undefined);
    const mapped = h.lifecycle.defineAction('instance_reload', (_dir: string, _force: boolean) => undefined, {
      scopeOf: ([dir, force]) => (force ? undefined : [dir]),
      detailsOf: ([, force]) => ({ reason: force ? 'forced' : 'config_change' }),
    });
    byContext({ directory: DIR_A });
    mapped(DIR_B, true);
    mapped(DIR_B, false);
    const spans = h.actionSpans();
    expect(spans.map((s) => s.attributes['session_host.lifecycle.scope_keys'])).toEqual([
      [expectedKey(DIR_A)],
      [expectedKey(DIR_B)],
      [expectedKey(DIR_B)],
    ]);
    expect(spans.map((s) => s.attributes['session_host.lifecycle.reason'])).toEqual([
      undefined,
      'forced',
      'config_change',
    ]);
  });

  it('throws a TypeError at set-up for what is not a function, and reports an undeclared kind', () => {
    const diag = captureDiag();
    try {
      const h = setup();
      expect(() => h.lifecycle.defineAction('instance_reload', 'reload' as never)).toThrow(TypeError);
      expect(() => h.lifecycle.defineAction('instance_reload', () => 1, { scopeOf: 'dir' as never })).toThrow(
        TypeError,
      );
      const typo = h.lifecycle.defineAction('instance_dispse' as never, () => 'ran');
      expect(typo()).toBe('ran');
      expect(diag.lines.some((l) => l.includes('not declared in config.kinds'))).toBe(true);
      expect(h.actionSpans()[0]!.attributes['session_host.lifecycle.kind']).toBe('unknown_kind');
    } finally {
      diag.restore();
    }
  });

  it('says once, naming the effect entry, when a defined or wrapped function returns an Effect', () => {
    const diag = captureDiag();
    try {
      const h = setup();
      const reload = h.lifecycle.defineAction('instance_reload', (_dir: string) => Effect.succeed(1));
      const store = { dispose: (_dir: string) => Effect.void };
      h.lifecycle.instrumentStore(store, { dispose: 'instance_dispose' });
      reload(DIR_A);
      reload(DIR_A);
      store.dispose(DIR_A);
      const lines = diag.lines.filter((l) => l.includes('returned an Effect'));
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line).toContain('otel-session-lifecycle/effect');
    } finally {
      diag.restore();
    }
  });
});

describe('instrumentStore with a scopeOf written for one method', () => {
  it('gives the other methods their default scopes, so their closes are not unexplained', () => {
    const h = setup();
    class Store {
      reload(_directory: string) {
        return h.lifecycle.closeScope(DIR_A);
      }
      disposeAll() {
        return h.lifecycle.closeScope(DIR_B);
      }
    }
    const store = new Store();
    h.lifecycle.instrumentStore(
      store,
      { reload: 'instance_reload', disposeAll: 'instance_dispose_all' },
      { scopeOf: (method) => (method === 'disposeAll' ? [DIR_B] : undefined) },
    );
    store.reload(DIR_A);
    store.disposeAll();
    expect(h.actionSpans().map((s) => s.attributes['session_host.lifecycle.scope_keys'])).toEqual([
      [expectedKey(DIR_A)],
      [expectedKey(DIR_B)],
    ]);
  });
});
