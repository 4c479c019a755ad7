import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests start real servers and proxies on loopback ports; two workers match the 2-core machines.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: process.env.CI ? ['default'] : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          // the console's pure modules are tested next to them (web/src/**/*.test.ts)
          include: ['test/**/*.test.ts', 'web/src/**/*.test.ts'],
          exclude: ['test/console/**'],
        },
      },
      {
        // The browser tests, one file at a time (beside the other tests): two Chromiums and two
        // services at once on 2 cores made page waits run out.
        extends: true,
        test: { name: 'console', include: ['test/console/**/*.test.ts'], fileParallelism: false, maxWorkers: 1, minWorkers: 1, poolOptions: { forks: { singleFork: true } } },
      },
    ],
  },
});
