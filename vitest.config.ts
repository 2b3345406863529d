import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'sandbox/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    // The soak test runs for minutes and restarts the local Redis: `npm run test:scale` runs it on its own.
    exclude: ['**/node_modules/**', 'test/scale/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
