import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/write-check-not-tenant-scoped.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;
const USER = `NULLIF(current_setting('app.user_id', true), '')::int`;
const TABLES = ['users_on_team', 'comments', 'tasks', 'projects', 'labels', 'members', 'drafts', 'archive'];

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  ${TABLES.map(
    (t) => `CREATE TABLE ${t} (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations,
      user_id int, is_public boolean NOT NULL DEFAULT false);
    ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
    CREATE POLICY read ON ${t} FOR SELECT TO app_user USING (organization_id = ${CTX});
    INSERT INTO ${t} VALUES (1, 1, 10, false), (2, 2, 20, false);`,
  ).join('\n')}
  -- invalid: WITH CHECK (true) on an INSERT policy
  CREATE POLICY "insert" ON users_on_team FOR INSERT TO app_user WITH CHECK (true);
  -- invalid: permissive checks OR-ed
  CREATE POLICY add_own ON comments FOR INSERT TO app_user WITH CHECK (organization_id = ${CTX});
  CREATE POLICY add_public ON comments FOR INSERT TO app_user WITH CHECK (is_public);
  -- invalid: UPDATE whose USING is tenant-scoped but whose check is not (rows move to another tenant)
  CREATE POLICY edit ON tasks FOR UPDATE TO app_user USING (organization_id = ${CTX}) WITH CHECK (true);
  -- valid: FOR ALL without WITH CHECK falls back to a tenant-scoped USING (docs/postgres-rls.md#with-check-fallback)
  CREATE POLICY tenant ON projects TO app_user USING (organization_id = ${CTX});
  -- invalid: FOR ALL without WITH CHECK whose USING does not pin the tenant
  CREATE POLICY shared ON labels TO app_user USING (is_public OR organization_id = ${CTX});
  -- invalid: owner-only check lets a user join any organization
  CREATE POLICY join_self ON members FOR INSERT TO app_user WITH CHECK (user_id = ${USER});
  -- valid: an INSERT policy without WITH CHECK admits nothing
  CREATE POLICY draft ON drafts FOR INSERT TO app_user;
  -- valid: a loose permissive check tamed by a restrictive one
  CREATE POLICY add ON archive FOR INSERT TO app_user WITH CHECK (true);
  CREATE POLICY tenant_isolation ON archive AS RESTRICTIVE FOR INSERT TO app_user WITH CHECK (organization_id = ${CTX});
  GRANT SELECT, INSERT, UPDATE ON ${TABLES.join(', ')} TO app_user;
`;

describe('write-check-not-tenant-scoped', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const asOrg1 = <T>(sql: string, read: (r: { rowCount: number | null; rows: any[] }) => T) =>
    db.asRole('app_user', async (c) => read(await c.query(sql)), { value: '1' });

  it('reports who can write into which tenant, through which policy', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['comments', 'labels', 'members', 'tasks', 'users_on_team']);
    const app = db.role('app_user');
    expect(problems.get('users_on_team')!.message).toBe(
      `${app} can INSERT rows for any organization into public.users_on_team: policy "insert" WITH CHECK (true)`,
    );
    expect(problems.get('comments')!.message).toBe(
      `${app} can INSERT rows for any organization into public.comments: policy "add_public" WITH CHECK (is_public) — is_public does not pin organization_id`,
    );
    expect(problems.get('tasks')!.message).toBe(`${app} can UPDATE rows for any organization in public.tasks: policy "edit" WITH CHECK (true)`);
    expect(problems.get('labels')!.message).toContain(
      `${app} can INSERT and UPDATE rows for any organization in public.labels: policy "shared" USING (is_public OR`,
    );
    expect(problems.get('labels')!.message).toContain('(no WITH CHECK, so USING is the check on new rows)');
    expect(problems.get('members')!.message).toContain('pins user_id to the current user, not organization_id');
  });

  it('proves each leak: rows land in, or move to, organization 2 while the session is organization 1', async () => {
    expect(await asOrg1('INSERT INTO users_on_team VALUES (3, 2, 10)', (r) => r.rowCount)).toBe(1);
    expect(await asOrg1('INSERT INTO comments VALUES (3, 2, 10, true)', (r) => r.rowCount)).toBe(1);
    expect(await asOrg1('INSERT INTO labels VALUES (3, 2, 10, true)', (r) => r.rowCount)).toBe(1);
    // no WHERE and no RETURNING: the SELECT policy does not re-check the new row (docs/postgres-rls.md#write-leaks)
    expect(await asOrg1('UPDATE tasks SET organization_id = 2', (r) => r.rowCount)).toBe(1);
    const joined = await db.asRole(
      'app_user',
      async (c) => {
        await c.query(`SELECT set_config('app.user_id', '10', true)`);
        return (await c.query('INSERT INTO members VALUES (3, 2, 10)')).rowCount;
      },
      { value: '1' },
    );
    expect(joined).toBe(1);
  });

  it('agrees with Postgres where it reports nothing', async () => {
    await expect(asOrg1('INSERT INTO projects VALUES (3, 2)', (r) => r.rowCount)).rejects.toThrow(/row-level security/);
    await expect(asOrg1('INSERT INTO drafts VALUES (3, 1)', (r) => r.rowCount)).rejects.toThrow(/row-level security/);
    await expect(asOrg1('INSERT INTO archive VALUES (3, 2)', (r) => r.rowCount)).rejects.toThrow(/row-level security/);
    expect(await asOrg1('INSERT INTO archive VALUES (3, 1)', (r) => r.rowCount)).toBe(1);
  });

  it('its fix closes the hole', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('users_on_team')!.fix!;
    expect(fix.sql).toContain('AS RESTRICTIVE FOR ALL');
    const after = problemsByObject(rule, await ruleContextAfter(db, fix.sql));
    expect(after.has('users_on_team')).toBe(false);
  });
});
