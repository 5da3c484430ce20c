import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/read-not-tenant-scoped.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;
const TABLES = ['projects', 'notes', 'reports', 'profiles', 'guarded', 'locked', 'tickets', 'dynamic_docs', 'owned', 'by_membership', 'by_any_membership'];
const USER = `NULLIF(current_setting('app.user_id', true), '')::int`;

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  -- the role a hosting platform's auth server connects as
  CREATE ROLE supabase_auth_admin NOLOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  ${TABLES.map(
    (t) => `CREATE TABLE ${t} (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations,
      user_id int, is_public boolean NOT NULL DEFAULT false);
    ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
    INSERT INTO ${t} VALUES (1, 1, 10, false), (2, 2, 20, true);`,
  ).join('\n')}
  -- valid: one tenant policy for every command
  CREATE POLICY tenant ON projects TO app_user USING (organization_id = ${CTX}) WITH CHECK (organization_id = ${CTX});
  -- invalid: a permissive policy OR-ed beside the tenant policy widens it (docs/postgres-rls.md#permissive-restrictive)
  CREATE POLICY tenant ON notes TO app_user USING (organization_id = ${CTX});
  CREATE POLICY public_notes ON notes FOR SELECT TO app_user USING (is_public);
  -- invalid: a superadmin switch any role can SET
  CREATE POLICY tenant ON reports TO app_user
    USING (organization_id = ${CTX} OR current_setting('app.is_superadmin', true) = 'true');
  -- owner-scoped, not tenant-scoped (info)
  CREATE POLICY own ON profiles FOR SELECT TO app_user USING (user_id = NULLIF(current_setting('app.user_id', true), '')::int);
  -- valid: a loose permissive policy tamed by a restrictive tenant policy
  CREATE POLICY everything ON guarded TO app_user USING (true) WITH CHECK (true);
  CREATE POLICY tenant_isolation ON guarded AS RESTRICTIVE TO app_user USING (organization_id = ${CTX}) WITH CHECK (organization_id = ${CTX});
  -- valid: only a restrictive policy, so nothing is admitted (deny)
  CREATE POLICY tenant_isolation ON locked AS RESTRICTIVE TO app_user USING (organization_id = ${CTX});
  -- invalid for UPDATE and DELETE only
  CREATE POLICY read ON tickets FOR SELECT TO app_user USING (organization_id = ${CTX});
  CREATE POLICY edit ON tickets FOR UPDATE TO app_user USING (true) WITH CHECK (organization_id = ${CTX});
  CREATE POLICY remove ON tickets FOR DELETE TO app_user USING (true);
  -- cannot be verified: the helper runs dynamic SQL
  CREATE FUNCTION may_read(org int) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
    DECLARE ok boolean; BEGIN EXECUTE 'SELECT $1 = 1' INTO ok USING org; RETURN ok; END $$;
  CREATE POLICY tenant ON dynamic_docs FOR SELECT TO app_user USING (may_read(organization_id));
  -- the app role owns this one (without FORCE): RLS does not apply at all, rls-not-forced's business
  CREATE POLICY anything ON owned USING (true);
  ALTER TABLE owned NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE owned OWNER TO app_user;
  -- a membership subquery without its own filter: scoped only if the membership table's RLS limits it
  -- (policy subqueries run with the querying role's rights)
  CREATE TABLE memberships (organization_id int NOT NULL REFERENCES organizations, user_id int NOT NULL, PRIMARY KEY (organization_id, user_id));
  ALTER TABLE memberships ENABLE ROW LEVEL SECURITY; ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
  CREATE POLICY own ON memberships FOR SELECT TO app_user USING (user_id = ${USER});
  CREATE TABLE all_memberships (organization_id int NOT NULL REFERENCES organizations, user_id int NOT NULL, PRIMARY KEY (organization_id, user_id));
  INSERT INTO memberships VALUES (1, 10), (2, 20);
  INSERT INTO all_memberships VALUES (1, 10), (2, 20);
  CREATE POLICY member ON by_membership FOR SELECT TO app_user USING (organization_id IN (SELECT organization_id FROM memberships));
  CREATE POLICY member ON by_any_membership FOR SELECT TO app_user USING (organization_id IN (SELECT organization_id FROM all_memberships));
  GRANT SELECT ON memberships, all_memberships TO app_user;
  GRANT SELECT, INSERT, UPDATE, DELETE ON ${TABLES.join(', ')} TO app_user;
`;

describe('read-not-tenant-scoped', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const orgsSeen = (sql: string) =>
    db.asRole('app_user', async (c) => (await c.query(sql)).rows.map((r) => r.organization_id).sort(), { value: '1' });

  it('reports exactly the tables where a role reaches other tenants, with who, what and which policy', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['by_any_membership', 'dynamic_docs', 'memberships', 'notes', 'profiles', 'reports', 'tickets']);
    expect(problems.get('by_any_membership')!.message).toContain('the subquery over all_memberships is not limited to the current user or tenant');
    expect(problems.get('memberships')).toMatchObject({ severity: 'info' }); // a user sees their own memberships
    // all_memberships has RLS off: rls-disabled reports it; by_membership is scoped by memberships' own policy
    const app = db.role('app_user');
    expect(problems.get('notes')).toMatchObject({
      message: `${app} can SELECT rows of any organization in public.notes: policy "public_notes" USING (is_public) — is_public does not pin organization_id`,
    });
    expect(problems.get('notes')!.severity).toBeUndefined(); // error
    expect(problems.get('reports')!.message).toContain(`${app} can SELECT, UPDATE and DELETE rows of any organization in public.reports: policy "tenant" USING (`);
    expect(problems.get('reports')!.message).toContain('any role can SET a custom setting');
    expect(problems.get('tickets')!.message).toMatch(
      /can UPDATE and DELETE rows of any organization in public\.tickets: policy "edit" USING \(true\); policy "remove" USING \(true\) \(a statement without WHERE or RETURNING is not filtered by SELECT policies\)$/,
    );
    expect(problems.get('profiles')).toMatchObject({ severity: 'info' });
    expect(problems.get('profiles')!.message).toContain('by owner, not by organization');
    expect(problems.get('dynamic_docs')).toMatchObject({ severity: 'warning' });
    expect(problems.get('dynamic_docs')!.message).toContain('runs dynamic SQL');
  });

  it('proves each error-level leak with a query as the role', async () => {
    expect(await orgsSeen('SELECT organization_id FROM notes')).toEqual([1, 2]);
    const superadmin = await db.asRole(
      'app_user',
      async (c) => {
        await c.query(`SELECT set_config('app.is_superadmin', 'true', true)`);
        return (await c.query('SELECT organization_id FROM reports ORDER BY 1')).rows.map((r) => r.organization_id);
      },
      { value: '1' },
    );
    expect(superadmin).toEqual([1, 2]);
    // without WHERE the SELECT policy does not filter: every tenant's tickets go (docs/postgres-rls.md#write-leaks)
    const deleted = await db.asRole('app_user', async (c) => (await c.query('DELETE FROM tickets')).rowCount, { value: '1' });
    expect(deleted).toBe(2);
    const asUser10 = (table: string) =>
      db.asRole('app_user', async (c) => {
        await c.query(`SELECT set_config('app.user_id', '10', true)`);
        return (await c.query(`SELECT organization_id FROM ${table} ORDER BY 1`)).rows.map((r) => r.organization_id);
      });
    expect(await asUser10('by_any_membership')).toEqual([1, 2]);
    expect(await asUser10('by_membership')).toEqual([1]);
  });

  it('agrees with Postgres where it reports nothing', async () => {
    expect(await orgsSeen('SELECT organization_id FROM projects')).toEqual([1]);
    expect(await orgsSeen('SELECT organization_id FROM guarded')).toEqual([1]);
    expect(await orgsSeen('SELECT organization_id FROM locked')).toEqual([]);
    expect(await orgsSeen('SELECT organization_id FROM tickets')).toEqual([1]);
  });

  it('offers a restrictive tenant policy that closes the leak', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('notes')!.fix!;
    expect(fix.sql).toContain('CREATE POLICY "tenant_isolation" ON "public"."notes" AS RESTRICTIVE FOR ALL TO');
    const after = problemsByObject(rule, await ruleContextAfter(db, fix.sql));
    expect(after.has('notes')).toBe(false);
  });

  it("is info for a hosting platform's own service role, an error for the same access by any other role", async () => {
    const sql = 'GRANT SELECT ON projects TO supabase_auth_admin; CREATE POLICY auth_server ON projects FOR SELECT TO supabase_auth_admin USING (true);';
    const platform = problemsByObject(rule, await ruleContextAfter(db, sql, { platformRoles: [db.role('supabase_auth_admin')] })).get('projects')!;
    expect(platform.severity).toBe('info');
    expect(platform.message).toContain(`${db.role('supabase_auth_admin')} is a role the hosting platform's own servers use, not the app's users`);
    const ordinary = problemsByObject(rule, await ruleContextAfter(db, sql, { platformRoles: [] })).get('projects')!;
    expect(ordinary.severity).toBeUndefined();
    expect(ordinary.message).toContain(`${db.role('supabase_auth_admin')} can SELECT rows of any organization in public.projects`);
    // and it does read both organizations
    await db.client.query('BEGIN');
    try {
      await db.client.query(db.sql(sql));
      await db.client.query(db.sql('SET LOCAL ROLE supabase_auth_admin'));
      expect((await db.client.query('SELECT organization_id FROM projects ORDER BY 1')).rows).toEqual([{ organization_id: 1 }, { organization_id: 2 }]);
    } finally {
      await db.client.query('ROLLBACK');
    }
  });

  it('judges only the configured app role when one is given', async () => {
    const other = problemsByObject(rule, await ruleContext(db, { appRole: 'nobody_here' }));
    expect(other.size).toBe(0);
  });
});
