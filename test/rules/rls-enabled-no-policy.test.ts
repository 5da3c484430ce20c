import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/rls-enabled-no-policy.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext } from '../support/rule-context.js';

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE migrator;
  CREATE ROLE app_heir LOGIN IN ROLE migrator;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE deny_all (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE deny_all_forced (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE with_policy (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE rls_off (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE plans (id int PRIMARY KEY, organization_id int);
  INSERT INTO deny_all VALUES (1, 1), (2, 2);
  INSERT INTO deny_all_forced VALUES (1, 1), (2, 2);
  ALTER TABLE deny_all ENABLE ROW LEVEL SECURITY;
  ALTER TABLE deny_all_forced ENABLE ROW LEVEL SECURITY;
  ALTER TABLE deny_all_forced FORCE ROW LEVEL SECURITY;
  ALTER TABLE with_policy ENABLE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON with_policy USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::int);
  ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
  ALTER TABLE deny_all OWNER TO migrator;
  ALTER TABLE deny_all_forced OWNER TO migrator;
  GRANT SELECT, INSERT ON deny_all, deny_all_forced TO app_user;
`;

describe('rls-enabled-no-policy', () => {
  let db: TestDatabase;
  const count = (role: string, table: string) =>
    db.asRole(role, async (c) => (await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n, { value: '1' });

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('reports tenant tables with RLS on and no policy, as deny-all information', async () => {
    const problems = problemsByObject(rule, await ruleContext(db, { globalTables: ['plans'] }));
    expect([...problems.keys()].sort()).toEqual(['deny_all', 'deny_all_forced']);
    expect(problems.get('deny_all')!.message).toContain('deny-all, not a leak');
    expect(problems.get('deny_all')!.message).toContain(`its owner ${db.role('migrator')}, members of ${db.role('migrator')} with INHERIT`);
    expect(problems.get('deny_all_forced')!.message).toContain('only superusers and BYPASSRLS roles are exempt');
    expect(rule.defaultSeverity).toBe('info');
    expect(problems.get('deny_all')!.severity).toBeUndefined();
  });

  it('Postgres agrees: the app role sees nothing and cannot insert; only the exempt owner side sees rows', async () => {
    expect(await count('app_user', 'deny_all')).toBe(0);
    await expect(db.asRole('app_user', (c) => c.query('INSERT INTO deny_all VALUES (3, 1)'))).rejects.toThrow(/row-level security/);
    expect(await count('app_heir', 'deny_all')).toBe(2);
    expect(await count('app_heir', 'deny_all_forced')).toBe(0);
  });
});
