/**
 * Vitest reporter: after a run of several files, print the slowest ones, so a
 * file that starts to dominate the suite (an extra engine boot, a schema
 * applied per test instead of per file) shows in every CI log.
 */
import type { Reporter, TestModule } from 'vitest/node';

const SHOWN = 10;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`.padStart(8);
}

export default class SlowestFiles implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    if (modules.length < 2) return;
    const timed = modules.map((module) => {
      const d = module.diagnostic();
      // importing the file (and what it imports) plus every test and hook in it
      return { file: module.relativeModuleId, total: d.collectDuration + d.setupDuration + d.duration, hooksAndTests: d.duration };
    });
    timed.sort((a, b) => b.total - a.total);
    const lines = timed.slice(0, SHOWN).map((t) => `${seconds(t.total)}  ${t.file}`);
    const all = timed.reduce((sum, t) => sum + t.total, 0);
    process.stdout.write(`\nslowest test files (of ${modules.length}, ${(all / 1000).toFixed(0)} s in all files together):\n${lines.join('\n')}\n`);
  }
}
