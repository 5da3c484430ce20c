import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/root-table-rls-disabled.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;
const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE viewer LOGIN;
  CREATE ROLE migrator NOLOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY, name text NOT NULL, plan text NOT NULL DEFAULT 'free');
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY; ALTER TABLE projects FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON projects TO app_user USING (organization_id = ${CTX}) WITH CHECK (organization_id = ${CTX});
  ALTER TABLE organizations OWNER TO migrator; ALTER TABLE projects OWNER TO migrator;
  GRANT SELECT, UPDATE ON organizations TO app_user;
  GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO app_user;
  INSERT INTO organizations VALUES (1, 'Acme'), (2, 'Globex');
`;

describe('root-table-rls-disabled', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('is an error when a role the app uses can change the root table, naming the roles and what they hold', async () => {
    const problem = problemsByObject(rule, await ruleContext(db)).get('organizations')!;
    expect(problem.severity).toBeUndefined();
    expect(rule.defaultSeverity).toBe('error');
    expect(problem.message).toBe(
      `row level security is disabled on the tenant root table public.organizations, whose rows are the organizations themselves: ` +
        `${db.role('app_user')} (SELECT, UPDATE) can read and change every organization's row (names, billing, settings), not only the session's own`,
    );
  });

  it("proves it: app_user, in organization 1, renames organization 2", async () => {
    const changed = await db.asRole('app_user', async (c) => (await c.query(`UPDATE organizations SET name = 'pwned' WHERE id = 2`)).rowCount, { value: '1' });
    expect(changed).toBe(1);
  });

  it('is a warning for SELECT only, and silent for INSERT only or when RLS is on', async () => {
    const readOnly = await ruleContextAfter(db, 'REVOKE UPDATE ON organizations FROM app_user; GRANT SELECT ON organizations TO viewer');
    const problem = problemsByObject(rule, readOnly).get('organizations')!;
    expect(problem.severity).toBe('warning');
    expect(problem.message).toContain(`${db.role('app_user')} (SELECT), ${db.role('viewer')} (SELECT) can read every organization's row`);
    const insertOnly = await ruleContextAfter(db, 'REVOKE ALL ON organizations FROM app_user; GRANT INSERT ON organizations TO app_user');
    expect(problemsByObject(rule, insertOnly).size).toBe(0);
    const enabled = await ruleContextAfter(db, 'ALTER TABLE organizations ENABLE ROW LEVEL SECURITY');
    expect(problemsByObject(rule, enabled).size).toBe(0);
  });

  it('its fix limits every role to the session organization’s own row', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('organizations')!.fix!;
    expect(fix.sql).toBe(
      [
        'ALTER TABLE "public"."organizations" ENABLE ROW LEVEL SECURITY;',
        'ALTER TABLE "public"."organizations" FORCE ROW LEVEL SECURITY;',
        `CREATE POLICY "tenant_isolation" ON "public"."organizations" AS PERMISSIVE FOR ALL TO "${db.role('app_user')}"`,
        `  USING ("id" = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::integer))`,
        `  WITH CHECK ("id" = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::integer));`,
        "-- creating a new organization now needs app.current_org_id set to its new id in the same transaction, or a SECURITY DEFINER sign-up function",
      ].join('\n'),
    );
    expect(problemsByObject(rule, await ruleContextAfter(db, fix.sql)).size).toBe(0);
    const seen = await db.asRole(
      'app_user',
      async (c) => {
        await c.query('RESET ROLE');
        await c.query(fix.sql);
        await c.query(`SET LOCAL ROLE "${db.role('app_user')}"`);
        const rows = (await c.query('SELECT id FROM organizations ORDER BY id')).rows.map((r) => r.id);
        const changed = (await c.query(`UPDATE organizations SET name = 'pwned' WHERE id = 2`)).rowCount;
        return { rows, changed };
      },
      { value: '1' },
    );
    expect(seen).toEqual({ rows: [1], changed: 0 });
  });
});
