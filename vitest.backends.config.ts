// `npm run test:backends`: the end-to-end tests against a real Collector, Jaeger and Prometheus
// (test/backends/). Kept apart from `npm test`, which needs no Go and stays fast.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: [
      { find: /^otel-session-lifecycle$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/backends/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One stack at a time: the machine has two cores, and each file starts several servers.
    fileParallelism: false,
  },
});
