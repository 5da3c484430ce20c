import { defineConfig } from 'vitest/config';

// Every scenario gets its own database (server) or its own embedded instance,
// so files can run in parallel; embedded instances are slow to boot, hence the timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The end-to-end CLI tests run bin/tenantguard.js, which needs an up-to-date dist/.
    globalSetup: ['test/support/build-dist.ts'],
  },
});
