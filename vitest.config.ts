import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

/**
 * The tests under test/effect on effect `version`, installed as the npm alias `alias`: every `effect`
 * import of the adapter, the tests and the example resolves to it.
 */
function effectProject(version: string, alias: string) {
  return {
    extends: true as const,
    resolve: { alias: [{ find: /^effect($|\/)/, replacement: `${alias}$1` }] },
    test: {
      name: `effect-${version}`,
      include: ['test/effect/**/*.test.ts'],
      exclude: ['test/effect/**/*.newest.test.ts'],
      env: { EFFECT_UNDER_TEST: version },
    },
  };
}

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
      // The Effect adapter and its tests again on each pinned effect version: 4.0.0, and a 4.0.0
      // beta (hosts pin prereleases).
      effectProject('4.0.0', 'effect-4-0-0'),
      effectProject('4.0.0-beta.48', 'effect-4-0-0-beta-48'),
    ],
  },
});
