/**
 * Runs a generated leak suite (`tenantguard scaffold tests`) the way a user's
 * CI does: vitest in a child process, against a database URL, with its tests
 * in a shuffled order, and returns vitest's JSON report.
 */
import { readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface AssertionResult {
  fullName: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
  failureMessages: string[];
}

export interface SuiteReport {
  testResults: { name: string; assertionResults: AssertionResult[] }[];
}

/** Runs every *.test.ts under `dir` (which holds one or more generated suites) against `databaseUrl`. */
export async function runGeneratedSuites(dir: string, databaseUrl: string): Promise<SuiteReport> {
  // The generated suite imports only pg and vitest, resolved from the user's node_modules: here, ours.
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  await writeFile(path.join(dir, 'vitest.config.mjs'), "export default { test: { include: ['**/*.test.ts'], testTimeout: 60000 } };\n");
  const { execa } = await import('execa');
  const out = path.join(dir, 'report.json');
  const seed = String(Date.now() % 100_000);
  await execa(
    process.execPath,
    [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--reporter=json', `--outputFile=${out}`, '--sequence.shuffle', `--sequence.seed=${seed}`],
    { cwd: dir, env: { TENANT_TEST_DATABASE_URL: databaseUrl, NO_COLOR: '1' }, reject: false },
  );
  return JSON.parse(await readFile(out, 'utf8')) as SuiteReport;
}
