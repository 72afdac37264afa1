// Every way a fiber run is interrupted gets a lifecycle classification, never `error`: on the paths
// the wrapped `interruptUnsafe` sees (attributed at the interrupt, in the interrupter's action), and
// when the wrapper is defeated (the method cannot be replaced, or a 4.x interrupts another way):
// then the fiber's exit shows the interrupt, it is reported once on the diag logger, and the core's
// rules attribute it (here: the open action registered on the run's scope).
import { Effect, Exit, Fiber, Scope } from 'effect';
import { describe, expect, it } from 'vitest';
import { trackedRun, trackFiber, withLifecycleAction } from 'otel-session-lifecycle/effect';
import { captureDiag } from '../utils/harness.js';
import { closeOf, EFFECT_UNDER_TEST, type EffectHarness, settle, setup } from './setup.js';

const DIR = '/srv/project-a';
const SCOPES = { scopes: [DIR] };
type Run = Fiber.Fiber<never, unknown>;

interface Path {
  readonly name: string;
  readonly kind: 'instance_reload' | 'instance_dispose';
  /** Starts run `runId` on DIR as a fiber, and returns that fiber. */
  readonly start: (h: EffectHarness, runId: string) => Promise<Run>;
  /** Interrupts the run inside an action of `kind` on DIR. */
  readonly interrupt: (h: EffectHarness, run: Run) => Promise<unknown>;
}

const forked = async (h: EffectHarness, runId: string): Promise<Run> => {
  const run = Effect.runFork(trackedRun(h.lifecycle, { runId, scope: DIR })(Effect.never));
  await Effect.runPromise(settle);
  return run;
};

const scopes = new WeakMap<Run, Scope.Closeable>();

const PATHS: readonly Path[] = [
  {
    name: 'Fiber.interrupt from the action’s fiber',
    kind: 'instance_dispose',
    start: forked,
    interrupt: (h, run) =>
      Effect.runPromise(Fiber.interrupt(run).pipe(withLifecycleAction(h.lifecycle, 'instance_dispose', SCOPES))),
  },
  {
    name: 'a child fiber the action forks',
    kind: 'instance_reload',
    start: forked,
    interrupt: (h, run) =>
      Effect.runPromise(
        Effect.forkChild(Fiber.interrupt(run)).pipe(
          Effect.flatMap(Fiber.join),
          withLifecycleAction(h.lifecycle, 'instance_reload', SCOPES),
        ),
      ),
  },
  {
    name: 'Scope.close of the instance Scope the run is forked into',
    kind: 'instance_dispose',
    start: async (h, runId) => {
      const scope = Scope.makeUnsafe();
      const run = await Effect.runPromise(
        Effect.forkIn(trackedRun(h.lifecycle, { runId, scope: DIR })(Effect.never), scope),
      );
      scopes.set(run, scope);
      await Effect.runPromise(settle);
      return run;
    },
    interrupt: (h, run) =>
      Effect.runPromise(
        Scope.close(scopes.get(run)!, Exit.void).pipe(withLifecycleAction(h.lifecycle, 'instance_dispose', SCOPES)),
      ),
  },
  {
    name: 'a plain lifecycle.action() (AsyncLocalStorage)',
    kind: 'instance_reload',
    start: forked,
    interrupt: (h, run) => h.lifecycle.action('instance_reload', SCOPES, () => Effect.runPromise(Fiber.interrupt(run))),
  },
];

const CLASSIFICATION = { instance_reload: 'local_instance_reload', instance_dispose: 'local_instance_dispose' };
const adapterLines = (lines: readonly string[]) => lines.filter((line) => line.includes('effect:'));

describe('a fiber run interrupted on each path', () => {
  for (const path of PATHS) {
    it(`by ${path.name}: attributed at the interrupt, in the action, with no report`, async () => {
      const h = setup();
      const diag = captureDiag();
      try {
        const run = await path.start(h, 'r1');
        await path.interrupt(h, run);
        const [action] = h.actionSpans();
        expect(closeOf(h, 'r1')).toEqual({
          classification: CLASSIFICATION[path.kind],
          provenance: 'context',
          actionId: action!.attributes['session_host.lifecycle.action.id'],
        });
        expect(action!.attributes['session_host.lifecycle.runs_interrupted']).toBe(1);
        expect(h.closedRunSpan('r1')?.parentSpanContext?.spanId).toBe(action!.spanContext().spanId);
        expect(adapterLines(diag.lines)).toEqual([]);
        expect(h.lifecycle.stateCounts().runsInFlight).toBe(0);
      } finally {
        diag.restore();
      }
    });
  }
});

describe('a fiber run forked as the child of a fiber an action interrupts', () => {
  it('is interrupted by its parent’s exit, which carries no action: the scope’s open action explains it', async () => {
    const h = setup();
    const diag = captureDiag();
    try {
      let child: Fiber.Fiber<never> | undefined;
      const parent = Effect.runFork(
        Effect.gen(function* () {
          child = yield* Effect.forkChild(trackedRun(h.lifecycle, { runId: 'r1', scope: DIR })(Effect.never));
          return yield* Effect.never;
        }),
      );
      await Effect.runPromise(settle);
      await Effect.runPromise(
        Fiber.interrupt(parent).pipe(withLifecycleAction(h.lifecycle, 'instance_dispose', SCOPES)),
      );
      await Effect.runPromise(Fiber.await(child!));
      expect(closeOf(h, 'r1')).toMatchObject({
        classification: 'local_instance_dispose',
        provenance: 'scope_registry',
      });
      expect(adapterLines(diag.lines)).toEqual([]);
    } finally {
      diag.restore();
    }
  });
});

/** Where the exit of a run interrupted from a plain lifecycle.action() runs: see version.test.ts. */
const EXIT_IN_INTERRUPTER_CONTEXT = EFFECT_UNDER_TEST === '4.0.0' || EFFECT_UNDER_TEST === '4.0.0-beta.48';

describe('when the wrapped interruptUnsafe is bypassed (a 4.x that interrupts another way)', () => {
  it('reads every path’s interrupt from the exit, reports it once, and classifies by the scope’s action', async () => {
    const diag = captureDiag();
    try {
      for (const path of PATHS) {
        const h = setup();
        const run = await path.start(h, 'r1');
        // The adapter's own method on the fiber goes: interrupts reach Effect's method directly.
        expect(Object.hasOwn(run, 'interruptUnsafe')).toBe(true);
        delete (run as { interruptUnsafe?: unknown }).interruptUnsafe;
        await path.interrupt(h, run);
        const [action] = h.actionSpans();
        const fromContext =
          path.kind === 'instance_reload' && path.name.includes('plain') && EXIT_IN_INTERRUPTER_CONTEXT;
        expect({ path: path.name, ...closeOf(h, 'r1') }).toEqual({
          path: path.name,
          classification: CLASSIFICATION[path.kind],
          provenance: fromContext ? 'context' : 'scope_registry',
          actionId: action!.attributes['session_host.lifecycle.action.id'],
        });
        expect(h.runSpan('r1').attributes['session_host.close.classification']).not.toBe('error');
        expect(action!.attributes['session_host.lifecycle.runs_interrupted']).toBe(1);
        expect(h.lifecycle.stateCounts().runsInFlight).toBe(0);
      }
      const lines = adapterLines(diag.lines);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/exit holds an interrupt its observed interruptUnsafe did not see/);
    } finally {
      diag.restore();
    }
  });
});

describe('when the fiber’s interruptUnsafe cannot be replaced', () => {
  it('reports it once, and attributes the interrupt at the exit by the scope’s action, not as error', async () => {
    const h = setup();
    const diag = captureDiag();
    try {
      const fiber = Effect.runFork(Effect.never);
      const method = Object.getPrototypeOf(fiber).interruptUnsafe as unknown;
      Object.defineProperty(fiber, 'interruptUnsafe', { value: method, writable: false, configurable: false });
      const run = trackFiber(h.lifecycle, fiber, { runId: 'r1', scope: DIR });
      expect(run?.runId).toBe('r1');
      await PATHS[0]!.interrupt(h, fiber);
      expect(closeOf(h, 'r1')).toMatchObject({
        classification: 'local_instance_dispose',
        provenance: 'scope_registry',
      });
      const lines = adapterLines(diag.lines);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/does not let its interrupts be observed/);
    } finally {
      diag.restore();
    }
  });
});

describe('a fiber run that interrupts itself (Effect.interrupt)', () => {
  it('is an interrupt reported at its end: no diag line, and classified by the core’s rules', async () => {
    const h = setup();
    const diag = captureDiag();
    try {
      await Effect.runPromiseExit(trackedRun(h.lifecycle, { runId: 'alone', scope: DIR })(Effect.interrupt));
      // Started before the reload targets its scope, so the reload's to explain.
      const inReload = Effect.runPromiseExit(
        trackedRun(h.lifecycle, { runId: 'in-reload', scope: DIR })(Effect.andThen(Effect.sleep(5), Effect.interrupt)),
      );
      const handle = h.lifecycle.begin('instance_reload', SCOPES);
      await inReload;
      handle.end();
      expect(closeOf(h, 'alone').classification).toBe('unknown_scope_close');
      expect(closeOf(h, 'in-reload')).toMatchObject({
        classification: 'local_instance_reload',
        provenance: 'scope_registry',
      });
      expect(adapterLines(diag.lines)).toEqual([]);
    } finally {
      diag.restore();
    }
  });
});
