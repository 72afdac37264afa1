import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Examples import the package by name; in tests that name is the source under test, so
    // tests and examples share one module (as tsconfig.json's paths do for the type check).
    alias: [{ find: /^otel-session-lifecycle$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // test/backends needs Go-built servers: `npm run test:backends` (vitest.backends.config.ts).
    exclude: [...configDefaults.exclude, 'test/backends/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
