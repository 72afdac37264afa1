import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { Effect, Fiber } from 'effect';
import { describe, expect, it } from 'vitest';
import { EFFECT_UNDER_TEST, settle } from './setup.js';

// Every file under test/effect runs three times: on the newest effect 4.x (project `main`), on
// effect 4.0.0 (project `effect-4.0.0`, where `effect` resolves to the `effect-4-0-0` alias) and on
// a 4.0.0 beta (project `effect-4.0.0-beta.48`, the `effect-4-0-0-beta-48` alias).
const newest = createRequire(import.meta.url)('effect/package.json').version as string;
const PINNED = ['4.0.0', '4.0.0-beta.48'];

describe('the effect runtime under test', () => {
  it('is the version the project names', async () => {
    const { default: pkg } = await import('effect/package.json', { with: { type: 'json' } });
    expect(pkg.version).toBe(PINNED.includes(EFFECT_UNDER_TEST) ? EFFECT_UNDER_TEST : newest);
    expect(pkg.version).toMatch(/^4\./);
  });

  it('runs an interrupted fiber in the async context the version is known for', async () => {
    // Up to 4.0.0 an interrupted fiber resumes in the interrupter's async context; from 4.0.1 in
    // its own. The adapter must attribute closes on both, so both must really be under test here.
    const als = new AsyncLocalStorage<string>();
    let seen: string | undefined;
    const victim = als.run('victim', () =>
      Effect.runFork(
        Effect.never.pipe(
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              seen = als.getStore();
            }),
          ),
        ),
      ),
    );
    await Effect.runPromise(settle);
    als.run('interrupter', () => victim.interruptUnsafe());
    await Effect.runPromise(Fiber.await(victim));
    expect(seen).toBe(PINNED.includes(EFFECT_UNDER_TEST) ? 'interrupter' : 'victim');
  });
});
