import { defineConfig } from 'vitest/config';

// The soak test alone (the default config leaves test/scale out): `npm run test:scale`, after a build.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/scale/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Workers are killed at random moments: a run that fails is run once more, and vitest's report says so (a failure
    // that comes back is a failure).
    retry: 1,
  },
});
