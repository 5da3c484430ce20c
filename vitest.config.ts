import { defineConfig } from 'vitest/config';

// Every scenario gets its own database (server) or its own embedded instance,
// so files can run in parallel; embedded instances are slow to boot, hence the timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // A test process runs one file after another instead of starting afresh for each:
    // module loading, the engines' WebAssembly compilation and the embedded engine's
    // pristine data directory are paid once per process, not once per file. Files keep
    // no state in globals (every database and directory is their own), so order does not matter.
    isolate: false,
    // The end-to-end CLI tests run bin/tenantguard.js, which needs an up-to-date dist/.
    globalSetup: ['test/support/build-dist.ts'],
    // Each file's CPU time, for the slowest-files reporter.
    setupFiles: ['test/support/file-cpu.ts'],
    // The slowest files after each run of the suite, so a regression shows in the CI log.
    reporters: ['default', './test/support/slowest-files.ts'],
  },
});
