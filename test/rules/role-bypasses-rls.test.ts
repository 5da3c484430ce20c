import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runAudit } from '../../src/audit.js';
import rule from '../../src/rules/role-bypasses-rls.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;

const SCENARIO = `
  CREATE ROLE app_owner NOLOGIN;
  CREATE ROLE etl BYPASSRLS LOGIN;
  CREATE ROLE app_user LOGIN IN ROLE app_owner;
  CREATE ROLE admin_bypass BYPASSRLS NOLOGIN;
  CREATE ROLE support NOINHERIT LOGIN IN ROLE admin_bypass;
  CREATE ROLE reader LOGIN;
  -- can SET ROLE to a BYPASSRLS role that holds no privilege on tenant tables: nothing gained
  CREATE ROLE idle_bypass BYPASSRLS NOLOGIN;
  CREATE ROLE intern NOINHERIT LOGIN IN ROLE idle_bypass;
  CREATE ROLE root_app SUPERUSER LOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE invoices (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  INSERT INTO projects VALUES (1, 1), (2, 2);
  INSERT INTO invoices VALUES (1, 1), (2, 2);
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
  ALTER TABLE invoices ENABLE ROW LEVEL SECURITY; ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON projects USING (organization_id = ${CTX});
  CREATE POLICY tenant ON invoices USING (organization_id = ${CTX});
  ALTER TABLE projects OWNER TO app_owner;
  ALTER TABLE invoices OWNER TO app_owner;
  GRANT SELECT ON projects, invoices TO etl, support, reader, admin_bypass, intern;
`;

describe('role-bypasses-rls', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const orgs = (role: string, table: string, before = '') =>
    db.asRole(
      role,
      async (c) => {
        if (before) await c.query(db.sql(before));
        return (await c.query(`SELECT organization_id FROM ${table} ORDER BY 1`)).rows.map((r) => r.organization_id);
      },
      { value: '1' },
    );

  it('reports every reaching role that RLS does not bind, and why', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    const [etl, support, appUser, adminBypass] = ['etl', 'support', 'app_user', 'admin_bypass'].map((r) => db.role(r));
    // intern can become idle_bypass, but idle_bypass holds no privilege on a tenant table
    expect([...problems.keys()].sort()).toEqual([adminBypass, appUser, etl, support].sort());
    expect(problems.get(etl)!.message).toBe(`${etl} is BYPASSRLS, which ignores row level security even with FORCE: ${etl} reads and writes every tenant's rows`);
    expect(problems.get(support)!.message).toContain(`${support} can SET ROLE ${db.role('admin_bypass')}, which is BYPASSRLS`);
    expect(problems.get(appUser)!.message).toContain(
      `${appUser} is a member (with INHERIT) of ${db.role('app_owner')}, so Postgres treats it as the owner of 1 tenant table without FORCE ROW LEVEL SECURITY (public.projects)`,
    );
  });

  it('proves each: the role reads organization 2 with the context set to 1', async () => {
    expect(await orgs('etl', 'invoices')).toEqual([1, 2]);
    expect(await orgs('support', 'invoices')).toEqual([1]);
    expect(await orgs('support', 'invoices', 'SET LOCAL ROLE admin_bypass')).toEqual([1, 2]);
    expect(await orgs('app_user', 'projects')).toEqual([1, 2]);
    expect(await orgs('app_user', 'invoices')).toEqual([1]); // FORCE binds the owner's members too
    expect(await orgs('reader', 'projects')).toEqual([1]);
    expect(await orgs('intern', 'invoices')).toEqual([1]);
    await expect(orgs('intern', 'invoices', 'SET LOCAL ROLE idle_bypass')).rejects.toThrow(/permission denied/);
  });

  it('with an app role: an error for the app role, info for the other roles that bypass RLS and that it cannot become', async () => {
    const problems = problemsByObject(rule, await ruleContext(db, { appRole: db.role('reader') }));
    const [etl, support, appUser, adminBypass, appOwner] = ['etl', 'support', 'app_user', 'admin_bypass', 'app_owner'].map((r) => db.role(r));
    expect([...problems.keys()].sort()).toEqual([adminBypass, appOwner, appUser, etl, support].sort());
    for (const problem of problems.values()) {
      expect(problem.severity).toBe('info');
      expect(problem.fix).toBeUndefined();
    }
    expect(problems.get(appOwner)!.message).toBe(
      `${appOwner} owns 1 tenant table without FORCE ROW LEVEL SECURITY (public.projects), whose policies the owner skips: ` +
        `the app connects as ${db.role('reader')}, which cannot become ${appOwner}, so this is not a path for the app's users — ` +
        `keep ${appOwner}'s credentials out of the app and its clients`,
    );
    // the app role is a member of the owner: the bypass is the app's own, an error
    const asApp = problemsByObject(rule, await ruleContext(db, { appRole: appUser }));
    expect(asApp.get(appUser)!.severity).toBeUndefined();
    expect(asApp.has(appOwner)).toBe(false);
  });

  it('judges a superuser app role, and its fixes remove the bypass', async () => {
    const asRoot = problemsByObject(rule, await ruleContext(db, { appRole: db.role('root_app') }));
    expect(asRoot.get(db.role('root_app'))!.fix!.sql).toBe(`ALTER ROLE "${db.role('root_app')}" NOSUPERUSER;`);
    const problems = problemsByObject(rule, await ruleContext(db));
    const fixes = [...problems.values()].map((p) => p.fix!.sql).join('\n');
    expect(fixes).toContain(`ALTER ROLE "${db.role('etl')}" NOBYPASSRLS;`);
    expect(fixes).toContain(`REVOKE "${db.role('admin_bypass')}" FROM "${db.role('support')}";`);
    expect(fixes).toContain('ALTER TABLE "public"."projects" FORCE ROW LEVEL SECURITY;');
    expect(problemsByObject(rule, await ruleContextAfter(db, fixes)).size).toBe(0);
  });
});

describe('role-bypasses-rls on a Supabase project', () => {
  // The offline audit builds Supabase's platform roles on the embedded engine under their real names.
  it("is info for the platform's server-side role service_role", async () => {
    const result = await runAudit({ cwd: fileURLToPath(new URL('../../fixtures/apps/supabase/', import.meta.url)), env: {} });
    const found = result.findings.filter((f) => f.rule === 'role-bypasses-rls');
    expect(found.map((f) => [f.object.name, f.severity])).toEqual([['service_role', 'info']]);
    expect(found[0]!.message).toContain('service_role is a platform role built to do so');
    expect(found[0]!.fix).toBeNull();
  });
});
