// A run that is a fiber. Effect 4 has no interrupt hook, and the interrupter is known only while
// it makes the interrupt (the Cause keeps just its fiber id, which cannot be looked up): so the
// tracked fiber's own `interruptUnsafe` is wrapped (on that fiber only, for as long as it is
// tracked), and the close is attributed there, synchronously, in the interrupter's fiber: inside
// the open action that fiber carries, else in the calling async context (which is how a plain
// `lifecycle.action` that interrupts a fiber is found).
//
// Effect's types mark that method `readonly`, and a later 4.x may interrupt another way: so the
// fiber's exit is checked too. An interrupt in the exit's Cause that the wrapper did not see is
// reported once on the diag logger and attributed there, by the core's rules (the open action
// registered on the run's scope, the late window, else `unknown_scope_close`), never as `error`.
import { Cause, Effect, Exit, Fiber, type Context } from 'effect';
import { guarded } from '../guard.js';
import { describeInput } from '../host-input.js';
import { currentFiber, inActionOf } from './carrier.js';
import { inertRun } from './inert-run.js';
import { reportOnce } from './report.js';
import type { EffectLifecycle, RunHandle, TrackRunOptions } from './types.js';

/** A run's Effect, or a function of its handle that returns it. */
export type RunBody<A, E, R> = Effect.Effect<A, E, R> | ((run: RunHandle) => Effect.Effect<A, E, R>);

type InterruptUnsafe = (fiberId?: number, annotations?: Context.Context<never>) => void;

interface Observation {
  /** Whether interrupts of the fiber can be seen at all (a method that cannot be replaced cannot). */
  readonly observable: boolean;
  /** Whether the wrapper saw an interrupt of the fiber (and attributed it then). */
  readonly seen: () => boolean;
  /** Puts the fiber's method back (once the run has ended). */
  readonly restore: () => void;
}

/** Ended runs report their interruption as this: a bounded name, no message worth reading. */
class FiberInterruptedError extends Error {
  override readonly name = 'FiberInterruptedError';
}

const UNOBSERVABLE: Observation = { observable: false, seen: () => false, restore: () => {} };

function observeInterrupts(fiber: Fiber.Fiber<unknown, unknown>, lifecycle: object, run: RunHandle): Observation {
  const own = Object.getOwnPropertyDescriptor(fiber, 'interruptUnsafe');
  const original = fiber.interruptUnsafe as InterruptUnsafe;
  let seen = false;
  const observed = function (this: unknown, fiberId?: number, annotations?: Context.Context<never>): void {
    if (!seen && fiber.pollUnsafe() === undefined) {
      seen = true;
      guarded('run.interrupted', () => inActionOf(currentFiber(), lifecycle, () => run.interrupted()), undefined);
    }
    original.call(this, fiberId, annotations);
  };
  const replaceable = own === undefined ? Object.isExtensible(fiber) : own.configurable === true;
  const descriptor = { value: observed, configurable: true, writable: true, enumerable: false };
  const replaced =
    replaceable &&
    guarded('observing a fiber', () => Reflect.defineProperty(fiber, 'interruptUnsafe', descriptor), false);
  if (!replaced) {
    const problem = 'a tracked fiber does not let its interrupts be observed';
    reportOnce('warn', `${problem}; its interruption is attributed when it exits, by the scope's open action`);
    return UNOBSERVABLE;
  }
  const restore = () => {
    // Unless something replaced ours since: then ours stays, and only re-reports to an ended run.
    if (fiber.interruptUnsafe !== observed) return;
    if (own !== undefined) Reflect.defineProperty(fiber, 'interruptUnsafe', own);
    else Reflect.deleteProperty(fiber, 'interruptUnsafe');
  };
  return {
    observable: true,
    seen: () => seen,
    restore: () => guarded("restoring a fiber's method", restore, undefined),
  };
}

/** Whether `cause` holds an interrupt made by another fiber (or by no fiber: a signal, a runtime). */
function interruptedFromOutside(cause: Cause.Cause<unknown>, fiberId: number): boolean {
  return cause.reasons.some((reason) => Cause.isInterruptReason(reason) && reason.fiberId !== fiberId);
}

/**
 * An interrupt the wrapper did not see: attributed now, at the exit, in whatever context the exit
 * runs in. A fiber's own `Effect.interrupt` never passes the wrapper, and needs no report; another
 * fiber's interrupt should have, and is reported once (a 4.x that interrupts another way, or a
 * joined fiber's interruption). Either way the core's rules decide, never `error`.
 */
function attributeAtExit(run: RunHandle, cause: Cause.Cause<unknown>, fiberId: number, observable: boolean): void {
  if (observable && interruptedFromOutside(cause, fiberId)) {
    const what = "a tracked fiber's exit holds an interrupt its observed interruptUnsafe did not see";
    reportOnce('warn', `${what}; attributed at the exit, by the scope's open action`);
  }
  guarded('run.interrupted', () => run.interrupted(), undefined);
}

/** Ends the run from the fiber's exit: success is completed, its own failure is an error. */
function endRun(run: RunHandle, exit: Exit.Exit<unknown, unknown>, fiberId: number, observation: Observation): void {
  if (Exit.isSuccess(exit)) {
    guarded('run.end', () => run.end({ outcome: 'completed' }), undefined);
    return;
  }
  const { cause } = exit;
  if (!observation.seen() && Cause.hasInterrupts(cause)) attributeAtExit(run, cause, fiberId, observation.observable);
  const interruptedOnly = Cause.hasInterruptsOnly(cause);
  const error = interruptedOnly ? new FiberInterruptedError('the fiber was interrupted') : Cause.squash(cause);
  guarded('run.end', () => run.end({ outcome: 'error', error }), undefined);
}

function isTracker(value: unknown): value is EffectLifecycle<never> {
  if (typeof value !== 'object' || value === null) return false;
  return typeof (value as { trackRun?: unknown }).trackRun === 'function';
}

function startRun(lifecycle: EffectLifecycle<never>, options: TrackRunOptions): RunHandle | undefined {
  if (!isTracker(lifecycle)) {
    const what = describeInput(lifecycle);
    reportOnce('error', `trackedRun was given ${what} as the instrumentation; the run is not tracked`);
    return undefined;
  }
  return guarded('lifecycle.trackRun (the run is not tracked)', () => lifecycle.trackRun(options), undefined);
}

/**
 * Runs an Effect as a tracked run of its fiber, from its start to its exit (fork it into the
 * instance's Scope). An interrupt made by a fiber that works for an open action is attributed to
 * that action; an interrupt from outside any action is `unknown_scope_close` (unless the scope's
 * registry explains it); the fiber's own failure is `error`; success is `completed`. Pass a
 * function to get the run's handle: `run.end({ outcome: 'user_cancel' })` in the body's own
 * `onInterrupt` keeps its meaning. A value that is not an Effect is reported and returned as is.
 */
export function trackedRun(
  lifecycle: EffectLifecycle<never>,
  options: TrackRunOptions,
): <A, E, R>(self: RunBody<A, E, R>) => Effect.Effect<A, E, R> {
  return <A, E, R>(self: RunBody<A, E, R>): Effect.Effect<A, E, R> => {
    if (!Effect.isEffect(self) && typeof self !== 'function') {
      reportOnce('error', `trackedRun was given ${describeInput(self)}, not an Effect; passed through`);
      return self;
    }
    return Effect.withFiber((fiber) => {
      const run = startRun(lifecycle, options);
      const body = Effect.isEffect(self) ? self : Effect.suspend(() => self(run ?? inertRun(options)));
      if (run === undefined) return body;
      const observation = observeInterrupts(fiber, lifecycle, run);
      return body.pipe(
        Effect.onExit((exit) =>
          Effect.sync(() => {
            observation.restore();
            endRun(run, exit, fiber.id, observation);
          }),
        ),
      );
    });
  };
}

/**
 * Tracks a fiber already forked (e.g. by `Effect.forkIn(body, scope)`) as a run, until it exits;
 * see `trackedRun`. Returns the run's handle; a value that is not a fiber, or a fiber that has
 * already exited, is reported on the diag logger and not tracked (`undefined`).
 */
export function trackFiber<A, E>(
  lifecycle: EffectLifecycle<never>,
  fiber: Fiber.Fiber<A, E>,
  options: TrackRunOptions,
): RunHandle | undefined {
  if (!Fiber.isFiber(fiber)) {
    reportOnce('error', `trackFiber was given ${describeInput(fiber)}, not a fiber; not tracked`);
    return undefined;
  }
  if (fiber.pollUnsafe() !== undefined) {
    reportOnce('warn', 'trackFiber was given a fiber that has already exited; not tracked');
    return undefined;
  }
  const run = startRun(lifecycle, options);
  if (run === undefined) return undefined;
  const observation = observeInterrupts(fiber, lifecycle, run);
  fiber.addObserver((exit) => {
    observation.restore();
    endRun(run, exit, fiber.id, observation);
  });
  return run;
}
