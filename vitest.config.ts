import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // the console's pure modules are tested next to them (web/src/**/*.test.ts)
    include: ['test/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests start real servers and proxies on loopback ports; two workers match the 2-core machines.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
