import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/policy-bypass-setting.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;
const TABLES = ['projects', 'reports', 'flags', 'features', 'archive'];

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE helpdesk;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE FUNCTION is_superadmin() RETURNS boolean LANGUAGE sql STABLE AS
    $$ SELECT coalesce(current_setting('app.is_superadmin', true), '') = 'on' $$;
  ${TABLES.map(
    (t) => `CREATE TABLE ${t} (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
    ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
    INSERT INTO ${t} VALUES (1, 1), (2, 2);`,
  ).join('\n')}
  CREATE POLICY tenant ON projects TO app_user USING (organization_id = ${CTX} OR current_setting('app.is_superadmin', true) = 'true');
  CREATE POLICY tenant ON reports TO app_user USING (organization_id = ${CTX} OR is_superadmin());
  CREATE POLICY tenant ON flags TO app_user USING (organization_id = ${CTX} OR current_setting('app.bypass_rls', true)::boolean);
  -- a setting that only narrows: fine
  CREATE POLICY tenant ON features TO app_user USING (organization_id = ${CTX} AND current_setting('app.beta', true) = 'on');
  -- a bypass only for a role without grants: warning
  CREATE POLICY tenant ON archive TO app_user USING (organization_id = ${CTX});
  CREATE POLICY support ON archive TO helpdesk USING (current_setting('app.support_mode', true) = 'on');
  GRANT SELECT ON ${TABLES.join(', ')} TO app_user;
  -- the tenant root's own policies are audited too
  ALTER TABLE organizations ENABLE ROW LEVEL SECURITY; ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
  CREATE POLICY own ON organizations TO app_user USING (id = ${CTX});
  CREATE POLICY bypass ON organizations TO app_user USING (current_setting('app.bypass_rls', true) = 'on');
  GRANT SELECT ON organizations TO app_user;
`;

describe('policy-bypass-setting', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const orgsWith = (table: string, setting: string, value: string) =>
    db.asRole(
      'app_user',
      async (c) => {
        // any role can SET a custom setting (docs/postgres-rls.md#custom-settings)
        await c.query('SELECT set_config($1, $2, true)', [setting, value]);
        return (await c.query(`SELECT organization_id FROM ${table} ORDER BY 1`)).rows.map((r) => r.organization_id);
      },
      { value: '1' },
    );

  it('reports a custom setting OR-ed into a policy, directly or through a helper', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['archive.support', 'flags.tenant', 'organizations.bypass', 'projects.tenant', 'reports.tenant']);
    expect(problems.get('organizations.bypass')).toMatchObject({ severity: 'error' });
    expect(problems.get('organizations.bypass')!.message).toContain(`so ${db.role('app_user')} can reach every organization's rows`);
    expect(problems.get('projects.tenant')).toMatchObject({ severity: 'error' });
    expect(problems.get('projects.tenant')!.message).toContain(
      "current_setting('app.is_superadmin'::text, true) = 'true'::text is true whenever a session sets app.is_superadmin, and any role can SET a custom setting",
    );
    expect(problems.get('reports.tenant')!.message).toContain('sets app.is_superadmin');
    expect(problems.get('flags.tenant')!.message).toContain('sets app.bypass_rls');
    expect(problems.get('archive.support')).toMatchObject({ severity: 'warning' });
  });

  it('proves the bypass: app_user flips the setting and reads the other organization', async () => {
    expect(await orgsWith('projects', 'app.is_superadmin', 'true')).toEqual([1, 2]);
    expect(await orgsWith('reports', 'app.is_superadmin', 'on')).toEqual([1, 2]);
    expect(await orgsWith('flags', 'app.bypass_rls', 'on')).toEqual([1, 2]);
    expect(await orgsWith('features', 'app.beta', 'on')).toEqual([1]);
    expect(await orgsWith('features', 'app.beta', 'off')).toEqual([]);
    const roots = (value: string) =>
      db.asRole('app_user', async (c) => {
        await c.query("SELECT set_config('app.bypass_rls', $1, true)", [value]);
        return (await c.query('SELECT id FROM organizations ORDER BY 1')).rows.map((r) => r.id);
      }, { value: '1' });
    expect(await roots('off')).toEqual([1]);
    expect(await roots('on')).toEqual([1, 2]);
  });
});
