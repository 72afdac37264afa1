// Interim: action handles built from action(), until the core has begin().
import { AsyncResource } from 'node:async_hooks';
import type { SessionLifecycleInstrumentation } from '../../src/index.js';
import type { ActionHandle, ActionOptions, EffectLifecycle } from '../../src/effect/index.js';

export function withBegin(lifecycle: SessionLifecycleInstrumentation): EffectLifecycle & SessionLifecycleInstrumentation {
  const begin = (kind: string, options?: ActionOptions): ActionHandle => {
    let id = '';
    let resource!: AsyncResource;
    let settle!: (error?: unknown) => void;
    const done = lifecycle.action(kind, { scopes: options?.scopes ?? [] }, () => {
      id = lifecycle.activeActionId() ?? '';
      resource = new AsyncResource('begin-shim');
      return new Promise<void>((resolve, reject) => (settle = (e) => (e === undefined ? resolve() : reject(e))));
    });
    done.catch(() => {});
    let ended = false;
    return {
      id,
      run: (fn) => (ended ? fn() : resource.runInAsyncScope(fn)),
      bind: (fn) => fn,
      end: (result) => {
        if (ended) return;
        ended = true;
        settle(result?.error);
      },
    };
  };
  return Object.assign(lifecycle, { begin });
}
