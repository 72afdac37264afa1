// Every public function and config option, called with wrong types, huge strings, cyclic objects,
// throwing getters, symbols and proxies, and with a tracer provider whose spans throw: a
// documented argument error at most, never an exception from a hot-path call, never an
// attribute over the bound.
import { trace, type Span, type TracerProvider } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLifecycleKind, LifecycleSampler, SessionLifecycleInstrumentation } from '../src/index.js';
import { boundedId, errorFingerprint } from '../src/redact.js';
import { renderLifecycleTree, spansFromOtlpJson } from '../src/view/index.js';
import { captureDiag, setup } from './utils/harness.js';

const MIB = 'a/'.repeat(512 * 1024);
const cyclic: Record<string, unknown> = { name: 'cyclic' };
cyclic.self = cyclic;
const throwingGetters = new Proxy(
  {},
  {
    get() {
      throw new Error('get trap at /home/hostile');
    },
    has() {
      throw new Error('has trap');
    },
    ownKeys() {
      throw new Error('ownKeys trap');
    },
    getOwnPropertyDescriptor() {
      throw new Error('descriptor trap');
    },
  },
);
const HOSTILE: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.5,
  Number.NaN,
  Infinity,
  10n,
  '',
  ' ',
  MIB,
  'Instance Reload',
  Symbol('hostile'),
  () => 'fn',
  [],
  [Symbol('x'), MIB, null],
  {},
  cyclic,
  throwingGetters,
  Object.create(null),
  new Date(),
  new AbortController().signal,
];

/** Runs `fn` and fails the test if it throws. */
function safely(what: string, fn: () => unknown): unknown {
  try {
    return fn();
  } catch (error) {
    throw new Error(`${what} threw: ${String(error)}`);
  }
}

function withDiag<T>(fn: () => T): T {
  const diag = captureDiag();
  try {
    return fn();
  } finally {
    diag.restore();
  }
}

describe('hostile input never escapes into the host', () => {
  it('constructor, setConfig and the provider setters take anything', () => {
    withDiag(() => {
      for (const value of HOSTILE) {
        const lifecycle = safely(
          'constructor',
          () => new SessionLifecycleInstrumentation(value as never),
        ) as SessionLifecycleInstrumentation;
        safely('setConfig', () => lifecycle.setConfig(value as never));
        safely('setTracerProvider', () => lifecycle.setTracerProvider(value as never));
        safely('setMeterProvider', () => lifecycle.setMeterProvider(value as never));
        for (const key of [
          'maxClosedRunSpansPerAction',
          'maxScopeKeysPerAction',
          'recentCloses',
          'interruptGraceMs',
          'maxRunAgeMs',
          'actionHook',
          'runCloseHook',
          'enabled',
        ]) {
          safely(`config.${key}`, () => new SessionLifecycleInstrumentation({ [key]: value } as never).snapshot());
        }
      }
    });
  });

  it('hot-path calls take anything, and the host operation still runs', () => {
    withDiag(() => {
      const h = setup({ maxClosedRunSpansPerAction: 3 });
      const { lifecycle } = h;
      for (const value of HOSTILE) {
        expect(safely('action(kind)', () => lifecycle.action(value as never, () => 'ran'))).toBe('ran');
        // A function in the options position is the documented (kind, fn) overload.
        const expected = typeof value === 'function' ? 'fn' : 'ran';
        expect(safely('action(options)', () => lifecycle.action('instance_reload', value as never, () => 'ran'))).toBe(
          expected,
        );
        expect(
          safely('action(scopes)', () => lifecycle.action('instance_reload', { scopes: value as never }, () => 'ran')),
        ).toBe('ran');
        const runs = [
          safely('trackRun(options)', () => lifecycle.trackRun(value as never)),
          safely('trackRun(fields)', () =>
            lifecycle.trackRun({
              runId: value,
              sessionId: value,
              scope: value,
              signal: value,
              span: value,
              endSpan: value,
            } as never),
          ),
          safely('trackRun(scope)', () => lifecycle.trackRun({ runId: 'r', scope: value as never })),
        ] as ReturnType<typeof lifecycle.trackRun>[];
        for (const run of runs) {
          safely('run.signal', () => run.signal);
          safely('run.recordError', () => run.recordError(value));
          safely('run.interrupted', () => lifecycle.action('instance_dispose', () => run.interrupted(value as never)));
          safely('run.end', () => run.end(value as never));
          safely('run.end(fields)', () => run.end({ outcome: value, error: value } as never));
        }
        safely('closeScope', () => lifecycle.closeScope(value as never));
        expect(safely('scopeKey', () => lifecycle.scopeKey(value as never))).toMatch(/^dir:([0-9a-f]{16}|invalid)$/);
        safely('pure helpers', () => [boundedId(value), errorFingerprint(value), isLifecycleKind(value)]);
      }
      expect(JSON.parse(JSON.stringify(lifecycle.snapshot())).schema_version).toBe(1);
      expect(lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
      // Never an attribute over the bound.
      for (const span of h.spans()) {
        for (const [key, attribute] of Object.entries(span.attributes)) {
          const values = Array.isArray(attribute) ? attribute : [attribute];
          expect(values.length, key).toBeLessThanOrEqual(64);
          for (const v of values) if (typeof v === 'string') expect(v.length, key).toBeLessThanOrEqual(128);
        }
        expect(span.name.length).toBeLessThanOrEqual(60);
      }
    });
  });

  it('anything fast-check makes, in any field, never throws from trackRun, end or action', () => {
    withDiag(() => {
      const { lifecycle } = setup();
      fc.assert(
        fc.property(
          fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true }),
          fc.anything(),
          (a, b) => {
            const run = lifecycle.trackRun({ runId: a, sessionId: b, scope: a, signal: b } as never);
            lifecycle.action(a as never, { scopes: b } as never, () => run.interrupted(a as never));
            run.recordError(b);
            run.end({ outcome: a, error: b } as never);
            lifecycle.closeScope(a as never);
          },
        ),
        { seed: 20261124, numRuns: 300 },
      );
      expect(lifecycle.stateCounts().runsInFlight).toBe(0);
    });
  });

  it('a tracer provider whose spans throw on every call cannot break the host', async () => {
    const diag = captureDiag();
    try {
      const throwingSpan = new Proxy({} as Span, {
        get() {
          return () => {
            throw new Error('span method failed');
          };
        },
      });
      const provider: TracerProvider = {
        getTracer: () => ({
          startSpan: () => throwingSpan,
          startActiveSpan: () => {
            throw new Error('no');
          },
        }),
      };
      const lifecycle = new SessionLifecycleInstrumentation({
        actionHook: () => {
          throw new Error('hook');
        },
      });
      lifecycle.setTracerProvider(provider);
      const controller = new AbortController();
      const run = safely('trackRun', () =>
        lifecycle.trackRun({ runId: 'r', scope: '/tmp/t', signal: controller.signal }),
      ) as ReturnType<typeof lifecycle.trackRun>;
      const hostSpan = safely('trackRun(host span)', () =>
        lifecycle.trackRun({ runId: 'h', scope: '/tmp/t', span: throwingSpan }),
      ) as ReturnType<typeof lifecycle.trackRun>;
      expect(
        await lifecycle.action('instance_dispose_all', { scopes: ['/tmp/t'] }, async () => {
          controller.abort();
          hostSpan.interrupted();
          return 'disposed';
        }),
      ).toBe('disposed');
      safely('end', () => run.end({ outcome: 'error', error: new Error('x') }));
      safely('end', () => hostSpan.end());
      expect(lifecycle.stateCounts()).toEqual({ activeActions: 0, scopes: 0, runsInFlight: 0, scopeRegistrations: 0 });
      expect(diag.lines.length).toBeGreaterThan(0);
      expect(diag.lines.join('\n')).not.toContain('/home/hostile');
    } finally {
      diag.restore();
    }
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it('set-up time and offline helpers fail with documented errors only', () => {
    const { lifecycle } = setup();
    for (const value of HOSTILE) {
      if (typeof value === 'function') continue;
      expect(() => lifecycle.action('instance_reload', value as never)).toThrow(TypeError);
      expect(() => new LifecycleSampler(value as never)).toThrow(TypeError);
      expect(() => lifecycle.instrumentStore(value as never, { reload: 'instance_reload' } as never)).toThrow(
        TypeError,
      );
      expect(() => lifecycle.instrumentStore({ reload() {} }, value as never)).toSatisfy((fn: () => unknown) => {
        try {
          fn();
          return true; // an empty map is a valid (empty) set-up
        } catch (error) {
          return error instanceof TypeError;
        }
      });
      try {
        spansFromOtlpJson(value);
      } catch (error) {
        expect(error).toBeInstanceOf(SyntaxError);
      }
      if (!Array.isArray(value)) expect(() => renderLifecycleTree(value as never)).toThrow(TypeError);
    }
  });
});
