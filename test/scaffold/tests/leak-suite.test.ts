/**
 * Acceptance for `scaffold tests`: the generated suite, run by vitest in a
 * child process against a real database with its tests in a shuffled order,
 * passes on the isolated schema and fails on every planted leak with a
 * message naming the table, the command and the leaked row; a check that
 * cannot run fails as inconclusive; and a test's settings never reach
 * another test, whatever ran first.
 *
 * Server engine only: the generated suite connects with a URL
 * (TENANT_TEST_DATABASE_URL) and the embedded engine has none. The probe
 * holds both engines to the same matrix (test/probe/matrix.test.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../../src/catalog/introspect.js';
import { buildRuleContext } from '../../../src/check/context.js';
import { DEFAULT_CONFIG } from '../../../src/config/types.js';
import { planLeakSuite } from '../../../src/scaffold/tests/suite.js';
import { writeFiles } from '../../../src/scaffold/write-files.js';
import { createTestDatabase, engine, type TestDatabase } from '../../support/db.js';
import { runGeneratedSuites, type SuiteReport } from '../../support/generated-suite.js';
import { applyLeakScenarios, LEAK_SCENARIOS } from '../../support/leak-scenarios.js';


/** A table the app role may use but whose row level security admits no row: isolation cannot be told apart from denial. */
const LOCKED = `CREATE SCHEMA locked; GRANT USAGE ON SCHEMA locked TO app_user;
  SET search_path = locked, public;
  CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
  CREATE TABLE notes (id serial PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations, body text NOT NULL);
  ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
  GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO app_user;
  RESET search_path;`;

const ORDER_TEST = `import { test } from 'vitest';
import * as leak from './setup.js';
import { data } from './tenant-tables.js';

const tasks = data.tables.find((t) => t.table.endsWith('.tasks'))!;
test('ordered: the switch first', () => leak.expectSettingDoesNotBypass(data, tasks, tasks.bypass[0]!));
test('ordered: then the INSERT', () => leak.expectInsertForOtherOrgRejected(data, tasks));
`;

describe.skipIf(engine === 'embedded')('generated leak suite (server engine: the suite needs a database URL)', () => {
  let db: TestDatabase;
  let dir: string;
  let report: SuiteReport;
  const results = (schema: string) =>
    report.testResults.filter((file) => file.name.includes(`${path.sep}${schema}${path.sep}`)).flatMap((file) => file.assertionResults);

  beforeAll(async () => {
    db = await createTestDatabase();
    await applyLeakScenarios(db);
    dir = await mkdtemp(path.join(tmpdir(), 'tenantguard-leak-suite-'));
    await db.exec(LOCKED);
    for (const schema of [...LEAK_SCENARIOS.map((s) => s.schema), 'locked']) {
      const config = { ...DEFAULT_CONFIG, appRole: db.role('app_user'), schemas: [schema] };
      const context = await buildRuleContext(await introspect(db.client, { schemas: config.schemas }), config);
      const suite = await planLeakSuite(context, { outDir: path.join(dir, schema), source: `schema ${schema}`, nonce: schema });
      await writeFiles(suite.files);
    }
    // The order that used to hide the write leak: the setting is tried first, then the INSERT.
    await writeFile(path.join(dir, 'leak_admin_switch_cast', 'order.test.ts'), ORDER_TEST);
    report = await runGeneratedSuites(dir, db.url!);
  }, 240_000);

  afterAll(async () => {
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fails on a write leak whatever ran before it: no test sees a setting another one set', () => {
    const ordered = results('leak_admin_switch_cast').filter((r) => r.fullName.startsWith('ordered: '));
    expect(ordered.map((r) => [r.fullName, r.status])).toEqual([
      ['ordered: the switch first', 'failed'],
      ['ordered: then the INSERT', 'failed'],
    ]);
    expect(ordered[1]!.failureMessages[0]).toMatch(/leak_admin_switch_cast\.tasks: INSERT as \S+ with app\.current_org_id = '[^']+' stored a new row for org B \{/);
    const insert = results('leak_admin_switch_cast').find((r) => r.fullName.includes('.tasks as ') && r.fullName.includes('INSERT of a row for org B is rejected'));
    expect(insert?.status).toBe('failed');
    expect(insert?.failureMessages[0]).toContain('stored a new row for org B');
  });

  it('fails a check that cannot tell isolation from denial as inconclusive, never passes it', () => {
    const select = results('locked').find((r) => r.fullName.includes("SELECT with org A's context"));
    expect(select?.status).toBe('failed');
    expect(select?.failureMessages[0]).toMatch(/locked\.notes: inconclusive, org A's own row is not visible/);
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
      const elsewhere = failed.filter((r) => !r.fullName.includes(table) && !r.fullName.startsWith('ordered: '));
      expect(elsewhere.map((r) => r.fullName).filter((name) => !(scenario.name === 'force-missing-app-owner' && name.includes('comments')))).toEqual([]);
    });
  }
});
