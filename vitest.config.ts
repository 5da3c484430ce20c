import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Every scenario gets its own database (server) or its own embedded instance,
// so files can run in parallel; embedded instances are slow to boot, hence the timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one process fewer than cores: a single one on a 2-core machine, where a
    // second one runs while the first waits on the server or on an engine's thread (177 s against
    // 240 s for the embedded suite on a quiet 2-core machine). The tests that bound time are meant
    // to pass beside other files: their timeouts bound the product, not the machine's speed.
    maxWorkers: Math.max(availableParallelism() - 1, 2),
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
