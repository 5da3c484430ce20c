import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/rls-not-forced.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const TENANT = `organization_id = NULLIF(current_setting('app.current_org_id', true), '')::int`;
const tenantTable = (name: string, owner: string, force: boolean) => `
  CREATE TABLE ${name} (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  INSERT INTO ${name} VALUES (1, 1), (2, 2);
  ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY;
  ${force ? `ALTER TABLE ${name} FORCE ROW LEVEL SECURITY;` : ''}
  CREATE POLICY tenant ON ${name} USING (${TENANT}) WITH CHECK (${TENANT});
  GRANT SELECT, INSERT, UPDATE, DELETE ON ${name} TO app_user;
  ALTER TABLE ${name} OWNER TO ${owner};`;

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE migrator;
  CREATE ROLE app_heir LOGIN IN ROLE migrator;
  CREATE ROLE app_setter NOINHERIT LOGIN IN ROLE migrator;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  ${tenantTable('owned_by_app', 'app_user', false)}
  ${tenantTable('owned_by_migrator', 'migrator', false)}
  ${tenantTable('forced', 'app_user', true)}
  ${tenantTable('setup_owned', 'CURRENT_USER', false)}
  CREATE TABLE rls_off (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
`;

describe('rls-not-forced', () => {
  let db: TestDatabase;
  const r = (name: string) => db.role(name);
  const orgsSeenBy = (role: string, table: string) =>
    db.asRole(role, async (c) => (await c.query(`SELECT organization_id FROM ${table} ORDER BY 1`)).rows.map((x) => x.organization_id), { value: '1' });

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('is an error where a reaching role owns the table, inherits its owner, or can SET ROLE to it', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['owned_by_app', 'owned_by_migrator', 'setup_owned']);
    const migrator = problems.get('owned_by_migrator')!;
    expect(migrator.severity).toBe('error');
    expect(migrator.message).toContain(`${r('app_heir')} is a member of its owner ${r('migrator')} with INHERIT`);
    expect(migrator.message).toContain(`${r('app_setter')} can SET ROLE ${r('migrator')}, its owner`);
    expect(migrator.message).not.toContain(`${r('app_user')} `);
    // the default audit leaves the owner itself out; with no other role acting as owner it is a warning
    expect(problems.get('owned_by_app')).toMatchObject({ severity: 'warning' });
    expect(problems.get('setup_owned')).toMatchObject({ severity: 'warning' });
    // the error names the exempt roles as its cause: role-bypasses-rls reports them with every table they own
    expect(migrator.causes).toEqual([r('app_heir'), r('app_setter')].map((name) => ({ kind: 'role', schema: null, name })));
  });

  it('says that FORCE does not restrain a superuser owner, and what to do instead', async () => {
    const message = problemsByObject(rule, await ruleContext(db)).get('setup_owned')!.message;
    expect(message).toMatch(/its owner \S+ is a superuser: FORCE ROW LEVEL SECURITY would not restrain \S+, which skips every policy with or without it/);
    expect(message).toContain('run the app as a role that is neither superuser nor BYPASSRLS and does not own the tables');
  });

  it('follows the configured app role', async () => {
    const asApp = problemsByObject(rule, await ruleContext(db, { appRole: r('app_user') }));
    expect(asApp.get('owned_by_app')).toMatchObject({ severity: 'error' });
    expect(asApp.get('owned_by_app')!.message).toContain(`${r('app_user')} owns it`);
    expect(asApp.get('owned_by_migrator')).toMatchObject({ severity: 'warning' });
    const asHeir = problemsByObject(rule, await ruleContext(db, { appRole: r('app_heir') }));
    expect(asHeir.get('owned_by_migrator')).toMatchObject({ severity: 'error' });
  });

  it('proves it: the owner and its INHERIT member read every tenant, a plain grantee and a forced table do not', async () => {
    expect(await orgsSeenBy('app_user', 'owned_by_app')).toEqual([1, 2]);
    expect(await orgsSeenBy('app_heir', 'owned_by_migrator')).toEqual([1, 2]);
    expect(await orgsSeenBy('app_user', 'owned_by_migrator')).toEqual([1]);
    expect(await orgsSeenBy('app_user', 'forced')).toEqual([1]);
  });

  it('its fix forces RLS: the rule is satisfied and the owner is held to the policies', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('owned_by_app')!.fix!;
    expect(fix.sql).toBe('ALTER TABLE "public"."owned_by_app" FORCE ROW LEVEL SECURITY;');
    expect(problemsByObject(rule, await ruleContextAfter(db, fix.sql)).has('owned_by_app')).toBe(false);
    await db.client.query('BEGIN');
    try {
      await db.client.query(fix.sql);
      await db.client.query(`SELECT set_config('app.current_org_id', '1', true)`);
      await db.client.query(`SET LOCAL ROLE ${r('app_user')}`);
      const { rows } = await db.client.query('SELECT organization_id FROM owned_by_app');
      expect(rows).toEqual([{ organization_id: 1 }]);
    } finally {
      await db.client.query('ROLLBACK');
    }
  });
});
