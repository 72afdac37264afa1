// The lifecycle action a fiber works for, carried in the fiber's own Effect context. From effect
// 4.0.1 a fiber resumes in the async context it captured when it was forked, so AsyncLocalStorage
// cannot carry an action into the fibers an action forks or into the interrupts they cause; an
// Effect reference can: forked fibers inherit their parent's context.
import { Context, Effect, Fiber } from 'effect';
import { guarded } from '../guard.js';
import type { ActionHandle, EffectLifecycle } from './types.js';

/** One action as a fiber carries it. `open` turns false when the Effect that began it exits. */
export interface CarriedAction {
  readonly lifecycle: EffectLifecycle<never>;
  readonly handle: ActionHandle;
  open: boolean;
}

/** The action of the current fiber, inherited by the fibers it forks. */
export const CurrentLifecycleAction = Context.Reference<CarriedAction | undefined>(
  'otel-session-lifecycle/effect/CurrentLifecycleAction',
  { defaultValue: () => undefined },
);

/** The open action `fiber` carries for `lifecycle`, if any (an ended one explains nothing). */
export function openActionOf(
  fiber: Fiber.Fiber<unknown, unknown> | undefined,
  lifecycle: object,
): CarriedAction | undefined {
  if (fiber === undefined) return undefined;
  const carried = guarded("reading a fiber's lifecycle action", () => fiber.getRef(CurrentLifecycleAction), undefined);
  return carried?.open && carried.lifecycle === lifecycle ? carried : undefined;
}

/**
 * Runs `fn` inside the open action the calling fiber carries for `lifecycle` (so the core
 * attributes what `fn` interrupts to it), or as it is when there is none. Called synchronously
 * from Effect code, or from an interrupt the fiber makes.
 */
export function inActionOf<T>(fiber: Fiber.Fiber<unknown, unknown> | undefined, lifecycle: object, fn: () => T): T {
  const carried = openActionOf(fiber, lifecycle);
  return carried === undefined ? fn() : carried.handle.run(fn);
}

/**
 * An Effect that runs `thunk` synchronously inside the lifecycle action of the current fiber: use
 * it around plain code that aborts or closes runs (`controller.abort()`, `lifecycle.closeScope`).
 * Without an open action it just runs `thunk`. Throws in `thunk` are defects, as in `Effect.sync`.
 */
export function inLifecycleAction<A>(lifecycle: EffectLifecycle<never>, thunk: () => A): Effect.Effect<A> {
  return Effect.withFiber((fiber) => Effect.sync(() => inActionOf(fiber, lifecycle, thunk)));
}

/** The id of the open lifecycle action the current fiber works for, if any. */
export const currentLifecycleActionId: Effect.Effect<string | undefined> = Effect.withFiber((fiber) => {
  const carried = fiber.getRef(CurrentLifecycleAction);
  return Effect.succeed(carried?.open ? carried.handle.id : undefined);
});

/** The interrupter when an interrupt is being made: the fiber whose code is running, if any. */
export function currentFiber(): Fiber.Fiber<unknown, unknown> | undefined {
  return guarded('reading the current fiber', () => Fiber.getCurrent(), undefined);
}
