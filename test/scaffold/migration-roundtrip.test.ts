/**
 * The scaffold's acceptance round trip, for every flawed scenario in
 * fixtures/: audit → scaffold → apply → the audit no longer reports an error
 * or warning of the rules the scaffold fixes; applying it again changes
 * nothing; and the app role still sees and inserts its own tenant's rows
 * (and only those).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES_FIXED_BY_SCAFFOLD } from '../../src/scaffold/migration/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { applyLeakScenarios, LEAK_SCENARIOS } from '../support/leak-scenarios.js';
import { applyDrizzleFolder, audit, comparable, EXAMPLE_APP, scaffold, type Audited, type Scaffolded } from './support.js';

const ORG_A = '00000000-0000-4000-8000-00000000000a';
const ORG_B = '00000000-0000-4000-8000-00000000000b';
const PROJECT_A = '10000000-0000-4000-8000-00000000000a';
const PROJECT_B = '10000000-0000-4000-8000-00000000000b';

/** Two tenants' rows in the example app's tables. */
const EXAMPLE_APP_ROWS = `
INSERT INTO public.organizations (id, name, slug) VALUES ('${ORG_A}', 'A', 'a'), ('${ORG_B}', 'B', 'b');
INSERT INTO public.organization_members (organization_id, user_id) VALUES ('${ORG_A}', 'user-a'), ('${ORG_B}', 'user-b');
INSERT INTO public.projects (id, organization_id, name) VALUES ('${PROJECT_A}', '${ORG_A}', 'pa'), ('${PROJECT_B}', '${ORG_B}', 'pb');
INSERT INTO public.tasks (project_id, title) VALUES ('${PROJECT_A}', 'ta'), ('${PROJECT_B}', 'tb');
INSERT INTO public.invitations (organization_id, email, expires_at) VALUES ('${ORG_A}', 'a@x', now()), ('${ORG_B}', 'b@x', now());
`;

/** Two tenants' rows in a fixtures/leaks schema. */
function leakRows(schema: string): string {
  return `
SET search_path = ${schema};
INSERT INTO organizations (id, name, slug) VALUES ('${ORG_A}', 'A', 'a'), ('${ORG_B}', 'B', 'b');
INSERT INTO plans (id, name) VALUES (1, 'free');
INSERT INTO projects (id, organization_id, name, status, plan_id, settings, starts_on, ends_on) VALUES
  ('${PROJECT_A}', '${ORG_A}', 'pa-x', 'active', 1, '{}', '2024-01-01', '2024-02-01'),
  ('${PROJECT_B}', '${ORG_B}', 'pb-x', 'active', 1, '{}', '2024-01-01', '2024-02-01');
INSERT INTO tasks (organization_id, project_id, title, done, priority) VALUES
  ('${ORG_A}', '${PROJECT_A}', 'ta', false, 1), ('${ORG_B}', '${PROJECT_B}', 'tb', false, 1);
INSERT INTO comments (task_id, body) SELECT id, title FROM tasks;
INSERT INTO invoices (organization_id, amount_cents, issued_on) VALUES ('${ORG_A}', 100, '2024-01-01'), ('${ORG_B}', 200, '2024-01-01');
RESET search_path;`;
}

interface Scenario {
  name: string;
  schema: string;
  globalTables: string[];
  /** Inserts the app makes for tenant A once the scaffold is applied (no organization_id on indirect tables). */
  inserts: string[];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'fixtures/example-app',
    schema: 'public',
    globalTables: ['plans'],
    inserts: [
      `INSERT INTO public.projects (organization_id, name) VALUES ('${ORG_A}', 'new')`,
      `INSERT INTO public.tasks (project_id, title) VALUES ('${PROJECT_A}', 'new')`,
      `INSERT INTO public.invitations (organization_id, email, expires_at) VALUES ('${ORG_A}', 'n@x', now())`,
      `INSERT INTO public.organization_members (organization_id, user_id) VALUES ('${ORG_A}', 'user-n')`,
    ],
  },
  ...LEAK_SCENARIOS.map((leak) => ({
    name: `fixtures/leaks/${leak.name}.sql`,
    schema: leak.schema,
    globalTables: [],
    inserts: [
      `INSERT INTO ${leak.schema}.projects (organization_id, name, status, plan_id, settings, starts_on, ends_on) VALUES ('${ORG_A}', 'new-x', 'active', 1, '{}', '2024-01-01', '2024-02-01')`,
      `INSERT INTO ${leak.schema}.tasks (organization_id, project_id, title, done, priority) VALUES ('${ORG_A}', '${PROJECT_A}', 'new', false, 2)`,
      `INSERT INTO ${leak.schema}.comments (task_id, body) SELECT id, 'new' FROM ${leak.schema}.tasks WHERE title = 'ta'`,
      `INSERT INTO ${leak.schema}.invoices (organization_id, amount_cents, issued_on) VALUES ('${ORG_A}', 5, '2024-01-02')`,
    ],
  })),
];

let db: TestDatabase;
const runs = new Map<string, { before: Audited; scaffolded: Scaffolded; after: Audited }>();

beforeAll(async () => {
  db = await createTestDatabase();
  await applyLeakScenarios(db);
  await applyDrizzleFolder(db, path.join(EXAMPLE_APP, 'drizzle'));
  await db.exec(EXAMPLE_APP_ROWS + LEAK_SCENARIOS.map((s) => leakRows(s.schema)).join('\n'));
  for (const scenario of SCENARIOS) {
    const config = { appRole: db.role('app_user'), schemas: [scenario.schema], globalTables: scenario.globalTables };
    const before = await audit(db, config);
    const scaffolded = await scaffold(before);
    await db.client.query(scaffolded.sql);
    runs.set(scenario.name, { before, scaffolded, after: await audit(db, config) });
  }
}, 600_000);
afterAll(async () => {
  await db?.close();
});

const fixable = (a: Audited) => a.findings.filter((f) => RULES_FIXED_BY_SCAFFOLD.includes(f.rule) && f.severity !== 'info');

describe.each(SCENARIOS)('scaffold migration round trip: $name', (scenario) => {
  it('starts flawed and leaves no error or warning of the rules it fixes', () => {
    const { before, after } = runs.get(scenario.name)!;
    expect(fixable(before).length).toBeGreaterThan(0);
    expect(fixable(after).map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
  });

  it('names every fixed finding in its header', () => {
    const { before, scaffolded } = runs.get(scenario.name)!;
    for (const finding of fixable(before)) expect(scaffolded.sql).toContain(`${finding.rule}  `);
    for (const finding of scaffolded.plan.findings) expect(scaffolded.sql).toContain(finding.fingerprint);
  });

  it('is a no-op when applied again', async () => {
    const { scaffolded, after } = runs.get(scenario.name)!;
    await db.client.query(scaffolded.sql);
    const again = await audit(db, { appRole: db.role('app_user'), schemas: [scenario.schema], globalTables: scenario.globalTables });
    const ownRole = (role: string) => role.startsWith(db.role(''));
    expect(comparable(again.catalog, ownRole)).toEqual(comparable(after.catalog, ownRole));
  });

  it("lets the app role see and insert its own tenant's rows, and only those", async () => {
    const { scaffolded } = runs.get(scenario.name)!;
    for (const table of scaffolded.plan.tables) {
      const rows = await db.asRole(
        'app_user',
        async (c) => (await c.query(`SELECT organization_id FROM "${table.schema}"."${table.name}"`)).rows,
        { value: ORG_A },
      );
      expect(rows.length, table.name).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.organization_id)), table.name).toEqual(new Set([ORG_A]));
    }
    await db.asRole(
      'app_user',
      async (c) => {
        for (const insert of scenario.inserts) await c.query(insert);
      },
      { value: ORG_A },
    );
  });

  it("refuses rows for another tenant", async () => {
    const insert = scenario.inserts[0]!.replace(ORG_A, ORG_B);
    await expect(db.asRole('app_user', (c) => c.query(insert), { value: ORG_A })).rejects.toMatchObject({ code: '42501' });
  });
});
