/**
 * Vitest reporter: after a run of several files, print the slowest ones, so a
 * file that starts to dominate the suite (an extra engine boot, a schema
 * applied per test instead of per file) shows in every CI log. Beside each
 * file's wall time, the CPU time its hooks and tests cost (file-cpu.ts): on a
 * loaded machine, that is the number to compare between runs.
 */
import type { Reporter, TestModule } from 'vitest/node';

const SHOWN = 10;

function seconds(ms: number | undefined): string {
  return (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`).padStart(8);
}

export default class SlowestFiles implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    if (modules.length < 2) return;
    const timed = modules.map((module) => {
      const d = module.diagnostic();
      // importing the file (and what it imports) plus every test and hook in it
      return { file: module.relativeModuleId, total: d.collectDuration + d.setupDuration + d.duration, cpu: module.meta().cpuMs };
    });
    timed.sort((a, b) => b.total - a.total);
    const lines = timed.slice(0, SHOWN).map((t) => `${seconds(t.total)}  ${seconds(t.cpu)}  ${t.file}`);
    const all = timed.reduce((sum, t) => sum + t.total, 0);
    const cpu = timed.reduce((sum, t) => sum + (t.cpu ?? 0), 0);
    // CI runs the suite once per engine: say which run this is
    const engine = process.env.TENANTGUARD_TEST_DATABASE_URL ? 'the PostgreSQL server' : 'the embedded engine';
    process.stdout.write(
      `\nslowest test files on ${engine} (of ${modules.length}; ${(all / 1000).toFixed(0)} s in all files together, ${(cpu / 1000).toFixed(0)} s of CPU in their hooks and tests):\n` +
        `    wall       CPU  file\n${lines.join('\n')}\n`,
    );
  }
}
