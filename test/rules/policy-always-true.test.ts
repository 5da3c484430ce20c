import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/policy-always-true.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;
const TABLES = ['open_read', 'self_member', 'not_null', 'tamed', 'unreached', 'guarded', 'bounded'];

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE auditor;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE members (organization_id int NOT NULL REFERENCES organizations, user_id int NOT NULL, PRIMARY KEY (organization_id, user_id));
  INSERT INTO members VALUES (1, 10), (2, 20);
  GRANT SELECT ON members TO app_user;
  ${TABLES.map(
    (t) => `CREATE TABLE ${t} (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
    ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
    INSERT INTO ${t} VALUES (1, 1), (2, 2);`,
  ).join('\n')}
  CREATE POLICY tenant ON open_read TO app_user USING (organization_id = ${CTX});
  CREATE POLICY anyone ON open_read FOR SELECT TO app_user USING (1 = 1);
  -- the unqualified organization_id binds to members, not to self_member: m.organization_id = m.organization_id
  CREATE POLICY member ON self_member FOR SELECT TO app_user
    USING (EXISTS (SELECT 1 FROM members m WHERE m.organization_id = organization_id
                   AND m.user_id = NULLIF(current_setting('app.user_id', true), '')::int));
  CREATE POLICY present ON not_null FOR SELECT TO app_user USING (organization_id IS NOT NULL);
  CREATE POLICY tenant ON tamed TO app_user USING (organization_id = ${CTX});
  CREATE POLICY noop ON tamed AS RESTRICTIVE TO app_user USING (true);
  CREATE POLICY tenant ON unreached TO app_user USING (organization_id = ${CTX});
  CREATE POLICY everything ON unreached TO auditor USING (true);
  CREATE POLICY tenant ON guarded TO app_user USING (organization_id = ${CTX} AND organization_id IS NOT NULL);
  -- a loose permissive policy AND-ed with a restrictive tenant policy: reached, but bounded (docs/postgres-rls.md#permissive-restrictive)
  CREATE POLICY anyone ON bounded FOR SELECT TO app_user USING (true);
  CREATE POLICY tenant_only ON bounded AS RESTRICTIVE TO app_user USING (organization_id = ${CTX});
  GRANT SELECT ON ${TABLES.join(', ')} TO app_user;
`;

describe('policy-always-true', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const orgs = (table: string) =>
    db.asRole(
      'app_user',
      async (c) => {
        await c.query(`SELECT set_config('app.user_id', '10', true)`);
        return (await c.query(`SELECT organization_id FROM ${table} ORDER BY 1`)).rows.map((r) => r.organization_id);
      },
      { value: '1' },
    );

  it('grades tautologies by whether a role goes through them', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['bounded.anyone', 'not_null.present', 'open_read.anyone', 'self_member.member', 'tamed.noop', 'unreached.everything']);
    expect(problems.get('open_read.anyone')).toMatchObject({ severity: 'error' });
    expect(problems.get('open_read.anyone')!.message).toBe(
      `policy "anyone" on public.open_read: USING (1 = 1) — 1 = 1 is always true, so it admits every organization's rows to ${db.role('app_user')}`,
    );
    expect(problems.get('self_member.member')).toMatchObject({ severity: 'error' });
    expect(problems.get('self_member.member')!.message).toContain('compares members.organization_id with itself');
    expect(problems.get('not_null.present')).toMatchObject({ severity: 'error' });
    expect(problems.get('tamed.noop')).toMatchObject({ severity: 'info' });
    expect(problems.get('unreached.everything')).toMatchObject({ severity: 'warning' });
    expect(problems.get('bounded.anyone')).toMatchObject({ severity: 'warning' });
    expect(problems.get('bounded.anyone')!.message).toContain('only the restrictive policies beside it keep');
  });

  it('proves the errors: the role sees the other organization through each', async () => {
    expect(await orgs('open_read')).toEqual([1, 2]);
    expect(await orgs('self_member')).toEqual([1, 2]);
    expect(await orgs('not_null')).toEqual([1, 2]);
    expect(await orgs('tamed')).toEqual([1]);
    expect(await orgs('guarded')).toEqual([1]);
    expect(await orgs('bounded')).toEqual([1]);
  });
});
