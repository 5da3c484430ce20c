/**
 * Acceptance for `scaffold tests`: the generated suite, run by vitest in a
 * child process against a real database, passes on the isolated schema and
 * fails on every planted leak with a message naming the table, the command
 * and the leaked row.
 *
 * Server engine only: the generated suite connects with a URL
 * (TENANT_TEST_DATABASE_URL) and the embedded engine has none. The probe
 * holds both engines to the same matrix (test/probe/matrix.test.ts).
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../../src/catalog/introspect.js';
import { buildRuleContext } from '../../../src/check/context.js';
import { DEFAULT_CONFIG } from '../../../src/config/types.js';
import { planLeakSuite } from '../../../src/scaffold/tests/suite.js';
import { writeFiles } from '../../../src/scaffold/write-files.js';
import { createTestDatabase, engine, type TestDatabase } from '../../support/db.js';
import { applyLeakScenarios, LEAK_SCENARIOS } from '../../support/leak-scenarios.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface AssertionResult {
  fullName: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
  failureMessages: string[];
}
interface JsonReport {
  testResults: { name: string; assertionResults: AssertionResult[] }[];
}

describe.skipIf(engine === 'embedded')('generated leak suite (server engine: the suite needs a database URL)', () => {
  let db: TestDatabase;
  let dir: string;
  let report: JsonReport;
  const results = (schema: string) =>
    report.testResults.filter((file) => file.name.includes(`${path.sep}${schema}${path.sep}`)).flatMap((file) => file.assertionResults);

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLeakScenarios(db);
    dir = await mkdtemp(path.join(tmpdir(), 'tenantguard-leak-suite-'));
    // The generated suite imports only pg and vitest, resolved from the user's node_modules: here, ours.
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await writeFile(path.join(dir, 'vitest.config.mjs'), "export default { test: { include: ['**/*.test.ts'], testTimeout: 60000 } };\n");
    for (const scenario of LEAK_SCENARIOS) {
      const config = { ...DEFAULT_CONFIG, appRole: db.role('app_user'), schemas: [scenario.schema] };
      const context = await buildRuleContext(await introspect(db.client, { schemas: config.schemas }), config);
      const suite = await planLeakSuite(context, { outDir: path.join(dir, scenario.schema), source: `schema ${scenario.schema}`, nonce: scenario.schema });
      await writeFiles(suite.files);
    }
    const { execa } = await import('execa');
    const out = path.join(dir, 'report.json');
    await execa(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--reporter=json', `--outputFile=${out}`], {
      cwd: dir,
      env: { TENANT_TEST_DATABASE_URL: db.url!, NO_COLOR: '1' },
      reject: false,
    });
    report = JSON.parse(await readFile(out, 'utf8'));
  }, 240_000);

  afterAll(async () => {
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes every test on the isolated schema', () => {
    const isolated = results('isolated');
    // 4 tenant tables (projects, tasks, comments, invoices) × 8 checks
    expect(isolated.filter((r) => r.status === 'passed').length).toBeGreaterThanOrEqual(32);
    expect(isolated.filter((r) => r.status === 'failed').map((r) => `${r.fullName}: ${r.failureMessages[0]}`)).toEqual([]);
  });

  for (const scenario of LEAK_SCENARIOS.filter((s) => s.table !== null)) {
    it(`fails on ${scenario.name}, naming the table, the command and the leaked row`, () => {
      const failed = results(scenario.schema).filter((r) => r.status === 'failed');
      expect(failed.length).toBeGreaterThan(0);
      const table = `${scenario.schema}.${scenario.table}`;
      const messages = failed.map((r) => r.failureMessages.join('\n'));
      const naming = messages.filter(
        (m) =>
          m.includes(`${table}: `) &&
          scenario.commands.some((command) => m.includes(`${table}: ${command} `)) &&
          /row (?:for org B )?\{"[a-z_]+":/.test(m),
      );
      expect(naming, messages.join('\n---\n')).not.toEqual([]);
      // The other tables of the scenario are still isolated: no failure is reported for them.
      const elsewhere = failed.filter((r) => !r.fullName.includes(table));
      expect(elsewhere.map((r) => r.fullName).filter((name) => !(scenario.name === 'force-missing-app-owner' && name.includes('comments')))).toEqual([]);
    });
  }
});
