// An Effect as a lifecycle action: the action begins when the Effect starts, ends when it exits
// (success, failure or interruption), and is carried in the fiber's context meanwhile, so the
// fibers it forks and the interrupts they make are attributed to it on every effect 4.x.
import { context } from '@opentelemetry/api';
import { Cause, Effect, Exit, type Fiber } from 'effect';
import { guarded } from '../guard.js';
import { describeInput } from '../host-input.js';
import { describeKind } from '../tokens.js';
import { CurrentLifecycleAction, openActionOf, type CarriedAction } from './carrier.js';
import { parentContextOf } from './parent-span.js';
import { reportOnce } from './report.js';
import type { ActionHandle, ActionOptions, ActionResult, EffectLifecycle } from './types.js';

/**
 * How an Exit ends an action: a failure is an error; an interruption is not (as Effect's own
 * tracer records it: the action was stopped, it did not fail).
 */
export function resultOf(exit: Exit.Exit<unknown, unknown>): ActionResult | undefined {
  if (Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)) return undefined;
  return { error: Cause.squash(exit.cause) };
}

function beginIn<K extends string>(
  fiber: Fiber.Fiber<unknown, unknown>,
  lifecycle: EffectLifecycle<K>,
  kind: K,
  options: ActionOptions | undefined,
): ActionHandle | undefined {
  // An action the fiber already works for is joined (the core gives the same id); else the
  // action begins under the host's current span.
  return guarded(
    'lifecycle.begin (the Effect runs untraced)',
    () => {
      const outer = openActionOf(fiber, lifecycle);
      if (outer !== undefined) return outer.handle.run(() => lifecycle.begin(kind, options));
      return context.with(parentContextOf(fiber), () => lifecycle.begin(kind, options));
    },
    undefined,
  );
}

/** Runs `self` with `handle` carried in its fiber's context; `end` decides whether its exit ends the handle. */
function carry<A, E, R>(
  lifecycle: EffectLifecycle<never>,
  handle: ActionHandle,
  end: boolean,
  self: Effect.Effect<A, E, R>,
): Effect.Effect<A, E, R> {
  const carried: CarriedAction = { lifecycle, handle, open: true };
  return self.pipe(
    Effect.provideService(CurrentLifecycleAction, carried),
    Effect.onExit((exit) =>
      Effect.sync(() => {
        carried.open = false;
        if (end) guarded('ending the action', () => handle.end(resultOf(exit)), undefined);
      }),
    ),
  );
}

function isLifecycle(value: unknown): value is EffectLifecycle<never> {
  return typeof value === 'object' && value !== null && typeof (value as { begin?: unknown }).begin === 'function';
}

/**
 * Runs an Effect as one lifecycle action of `kind`: a `lifecycle <kind>` span from the Effect's
 * start to its exit. Inside an action the fiber already works for, it joins that action. Values,
 * failures and interruptions pass through untouched. Pipeable:
 * `reload.pipe(withLifecycleAction(lifecycle, 'instance_reload', { scopes: [dir] }))`.
 * A value that is not an Effect is reported on the diag logger and returned as it is.
 */
export function withLifecycleAction<K extends string>(
  lifecycle: EffectLifecycle<K>,
  kind: NoInfer<K>,
  options?: ActionOptions,
): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> {
  return <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
    if (!Effect.isEffect(self)) {
      const what = `withLifecycleAction(${describeKind(kind)})`;
      reportOnce('error', `${what} was given ${describeInput(self)}, not an Effect; passed through`);
      return self;
    }
    if (!isLifecycle(lifecycle)) {
      const what = describeInput(lifecycle);
      reportOnce('error', `withLifecycleAction was given ${what} as the instrumentation; the Effect runs untraced`);
      return self;
    }
    return Effect.withFiber((fiber) => {
      const handle = beginIn(fiber, lifecycle, kind, options);
      return handle === undefined ? self : carry(lifecycle, handle, true, self);
    });
  };
}

/**
 * Runs an Effect inside an action begun earlier with `lifecycle.begin` (a disposal requested now
 * and carried out later, whose id the host already handed out): one action, one id, one span.
 * The Effect's exit ends the handle unless `options.end` is `false`.
 */
export function withActionHandle(
  lifecycle: EffectLifecycle<never>,
  handle: ActionHandle,
  options?: { readonly end?: boolean | undefined },
): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> {
  return <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
    if (!Effect.isEffect(self)) {
      reportOnce('error', `withActionHandle was given ${describeInput(self)}, not an Effect; passed through`);
      return self;
    }
    const usable = typeof handle === 'object' && handle !== null;
    if (!usable || typeof handle.run !== 'function' || typeof handle.end !== 'function') {
      reportOnce(
        'error',
        `withActionHandle was given ${describeInput(handle)} as the handle; the Effect runs untraced`,
      );
      return self;
    }
    return Effect.suspend(() => carry(lifecycle, handle, options?.end !== false, self));
  };
}
