import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/context-fail-open.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;
const TABLES = ['unset_open', 'coalesced', 'empty_open', 'closed'];

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  ${TABLES.map(
    (t) => `CREATE TABLE ${t} (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
    ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
    INSERT INTO ${t} VALUES (1, 1), (2, 2);`,
  ).join('\n')}
  CREATE POLICY tenant ON unset_open TO app_user
    USING (NULLIF(current_setting('app.current_org_id', true), '') IS NULL OR organization_id = ${CTX});
  CREATE POLICY tenant ON coalesced TO app_user
    USING (organization_id = COALESCE(NULLIF(current_setting('app.current_org_id', true), '')::int, organization_id));
  CREATE POLICY tenant ON empty_open TO app_user
    USING (current_setting('app.current_org_id', true) = '' OR organization_id = ${CTX});
  -- fail-closed: requires the context, then pins to it
  CREATE POLICY tenant ON closed TO app_user
    USING (current_setting('app.current_org_id', true) IS NOT NULL AND organization_id = ${CTX});
  GRANT SELECT ON ${TABLES.join(', ')} TO app_user;
  -- the tenant root's own policies are audited too
  ALTER TABLE organizations ENABLE ROW LEVEL SECURITY; ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON organizations TO app_user
    USING (id = COALESCE(NULLIF(current_setting('app.current_org_id', true), '')::int, id));
  GRANT SELECT ON organizations TO app_user;
`;

describe('context-fail-open', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const orgs = (table: string, context?: string) =>
    db.asRole('app_user', async (c) => (await c.query(`SELECT organization_id FROM ${table} ORDER BY 1`)).rows.map((r) => r.organization_id), context === undefined ? undefined : { value: context });

  it('reports policies that open up when the tenant setting is unset or empty', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['coalesced.tenant', 'empty_open.tenant', 'organizations.tenant', 'unset_open.tenant']);
    for (const p of problems.values()) expect(p.severity).toBe('error');
    expect(problems.get('unset_open.tenant')!.message).toContain(
      "NULLIF(current_setting('app.current_org_id'::text, true), ''::text) IS NULL holds when app.current_org_id is unset (NULL) or empty",
    );
  });

  it("proves it: unset (never set in the session) and '' (after a SET LOCAL transaction) both open every organization", async () => {
    expect(await orgs('unset_open')).toEqual([1, 2]);
    expect(await orgs('unset_open', '')).toEqual([1, 2]);
    expect(await orgs('coalesced', '')).toEqual([1, 2]);
    expect(await orgs('empty_open', '')).toEqual([1, 2]);
    expect(await orgs('closed', '')).toEqual([]);
    expect(await orgs('closed')).toEqual([]);
    expect(await orgs('closed', '1')).toEqual([1]);
    const roots = (context?: string) =>
      db.asRole('app_user', async (c) => (await c.query('SELECT id FROM organizations ORDER BY 1')).rows.map((r) => r.id), context === undefined ? undefined : { value: context });
    expect(await roots('1')).toEqual([1]);
    expect(await roots()).toEqual([1, 2]);
  });
});
