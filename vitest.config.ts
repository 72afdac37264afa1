import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples import the package by name; in tests that name is the source under test, so
    // tests and examples share one module (as tsconfig.json's paths do for the type check).
    alias: [
      { find: /^otel-session-lifecycle$/, replacement: src('index.ts') },
      { find: /^otel-session-lifecycle\/effect$/, replacement: src('effect/index.ts') },
      { find: /^otel-session-lifecycle\/view$/, replacement: src('view/index.ts') },
    ],
  },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          // test/backends needs Go-built servers: `npm run test:backends` (vitest.backends.config.ts).
          exclude: [...configDefaults.exclude, 'test/backends/**'],
          env: { EFFECT_UNDER_TEST: 'newest' },
        },
      },
      {
        // The Effect adapter and its tests again, on effect 4.0.0 (the npm alias `effect-4-0-0`):
        // every `effect` import of the adapter, the tests and the example resolves to it.
        extends: true,
        resolve: { alias: [{ find: /^effect($|\/)/, replacement: 'effect-4-0-0$1' }] },
        test: {
          name: 'effect-4.0.0',
          include: ['test/effect/**/*.test.ts'],
          exclude: ['test/effect/**/*.newest.test.ts'],
          env: { EFFECT_UNDER_TEST: '4.0.0' },
        },
      },
    ],
  },
});
