/**
 * Setup file: the CPU time each test file costs its test process (every thread, so the embedded
 * engine's too, but not programs the tests start), kept in the file's metadata for the
 * slowest-files reporter. On a loaded machine wall time is mostly waiting; CPU time is not.
 */
import { afterAll, beforeAll } from 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    cpuMs?: number;
  }
}

let started: NodeJS.CpuUsage | undefined;

beforeAll(() => {
  started = process.cpuUsage();
});

// The file comes second: Vitest reads the first parameter's destructuring for the fixtures a hook uses.
afterAll(({}, file) => {
  if (!started) return;
  const used = process.cpuUsage(started);
  file.meta.cpuMs = (used.user + used.system) / 1000;
});
