import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/context-not-wrapped.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext } from '../support/rule-context.js';

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE SCHEMA auth;
  CREATE FUNCTION auth.uid() RETURNS int LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::int $$;
  GRANT USAGE ON SCHEMA auth TO app_user;
  CREATE TABLE organizations (id int PRIMARY KEY);
  CREATE TABLE members (organization_id int NOT NULL REFERENCES organizations, user_id int NOT NULL, PRIMARY KEY (organization_id, user_id));
  CREATE TABLE per_row (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, user_id int);
  CREATE TABLE once (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, user_id int);
  CREATE TABLE by_member (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  ALTER TABLE per_row ENABLE ROW LEVEL SECURITY; ALTER TABLE once ENABLE ROW LEVEL SECURITY; ALTER TABLE by_member ENABLE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON per_row TO app_user
    USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::int AND user_id = auth.uid());
  CREATE POLICY tenant ON once TO app_user
    USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::int) AND user_id = (SELECT auth.uid()));
  -- inside an uncorrelated IN subquery the call is already evaluated once
  CREATE POLICY tenant ON by_member TO app_user
    USING (organization_id IN (SELECT organization_id FROM members WHERE user_id = auth.uid()));
  GRANT SELECT ON per_row, once, by_member, members TO app_user;
`;

describe('context-not-wrapped', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const plan = (table: string) =>
    db.asRole('app_user', async (c) => (await c.query(`EXPLAIN SELECT id FROM ${table}`)).rows.map((r) => r['QUERY PLAN']).join('\n'), { value: '1' });

  it('reports context calls evaluated per row, once per policy', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()]).toEqual(['per_row.tenant']);
    expect(problems.get('per_row.tenant')!.message).toBe(
      "policy \"tenant\" on public.per_row evaluates current_setting('app.current_org_id'::text, true), auth.uid() once per row: " +
        "wrap each in a scalar subquery, e.g. (SELECT current_setting('app.current_org_id'::text, true)), so Postgres evaluates it once per statement (an InitPlan)",
    );
  });

  it('agrees with the planner: the wrapped form is an InitPlan, the bare form is not', async () => {
    expect(await plan('once')).toMatch(/InitPlan/);
    expect(await plan('per_row')).not.toMatch(/InitPlan/);
  });
});
