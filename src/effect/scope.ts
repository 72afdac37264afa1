// Closing an instance Scope as a lifecycle action sees it: the scope close is recorded (the core's
// `closeScope`, inside the action the fiber works for) before the Scope's finalizers run, so the
// runs forked into it are attributed to that action, not to whatever their finalizers report.
import { Effect, Exit, Scope } from 'effect';
import { guarded } from '../guard.js';
import { describeInput, readOption, scopesAnswered } from '../host-input.js';
import { currentFiber, inActionOf } from './carrier.js';
import { reportOnce } from './report.js';
import type { EffectLifecycle } from './types.js';

function scopesOf(directories: string | readonly string[]): readonly string[] {
  const { scopes } = scopesAnswered(directories);
  if (scopes === undefined) {
    reportOnce('error', `a scope close was given ${describeInput(directories)} as its directories; none recorded`);
  }
  return scopes ?? [];
}

function closeScopes(lifecycle: EffectLifecycle<never>, directories: string | readonly string[]): number {
  let interrupted = 0;
  for (const directory of scopesOf(directories)) {
    const closed = guarded(
      'closeScope',
      () => inActionOf(currentFiber(), lifecycle, () => lifecycle.closeScope(directory)),
      0,
    );
    if (typeof closed === 'number') interrupted += closed;
  }
  return interrupted;
}

/**
 * Records that the scopes of `directories` close, now, inside the lifecycle action the current
 * fiber works for: every run tracked on them is interrupted and attributed to it (and the signals
 * the run handles own are aborted). Succeeds with the number of runs it interrupted.
 */
export function recordScopeClose(
  lifecycle: EffectLifecycle<never>,
  directories: string | readonly string[],
): Effect.Effect<number> {
  return Effect.sync(() => closeScopes(lifecycle, directories));
}

function stateOf(scope: unknown): string | undefined {
  const tag = readOption(readOption(scope, 'state'), '_tag');
  return typeof tag === 'string' ? tag : undefined;
}

/**
 * Closes an instance's Scope the way a lifecycle action should: first records the close of the
 * instance's directory (see `recordScopeClose`), then `Scope.close(scope, exit)` runs the
 * finalizers, which interrupt the fibers forked into it. Run it inside `withLifecycleAction`.
 * A Scope that is already closed is reported on the diag logger and left to `Scope.close` (a no-op);
 * a value that is not a Scope is reported and nothing is closed.
 */
export function closeInstanceScope(
  lifecycle: EffectLifecycle<never>,
  scope: Scope.Closeable,
  directories: string | readonly string[],
  exit: Exit.Exit<unknown, unknown> = Exit.void,
): Effect.Effect<void> {
  return Effect.suspend(() => {
    const state = stateOf(scope);
    if (state === undefined) {
      reportOnce('error', `closeInstanceScope was given ${describeInput(scope)}, not a Scope; nothing closed`);
      return Effect.void;
    }
    if (state === 'Closed') {
      reportOnce('warn', 'closeInstanceScope was given a Scope that is already closed; no close recorded');
    } else {
      closeScopes(lifecycle, directories);
    }
    return Scope.close(scope, exit);
  });
}
