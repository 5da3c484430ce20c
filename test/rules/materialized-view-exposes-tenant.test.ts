import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/materialized-view-exposes-tenant.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE analysts NOLOGIN;
  CREATE ROLE analyst LOGIN IN ROLE analysts;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE orders (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, total int NOT NULL);
  INSERT INTO orders VALUES (1, 1, 10), (2, 2, 20);
  ALTER TABLE orders ENABLE ROW LEVEL SECURITY; ALTER TABLE orders FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON orders TO app_user USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::int);
  CREATE TABLE plans (id int PRIMARY KEY, price int NOT NULL);
  COMMENT ON TABLE plans IS '@tenantguard global';
  CREATE MATERIALIZED VIEW order_totals AS SELECT organization_id, sum(total) AS total FROM orders GROUP BY organization_id;
  CREATE MATERIALIZED VIEW order_history AS SELECT organization_id, id FROM orders;
  CREATE MATERIALIZED VIEW plan_prices AS SELECT id, price FROM plans;
  GRANT SELECT ON order_totals TO app_user, analysts;
  GRANT SELECT ON plan_prices TO app_user;
`;

describe('materialized-view-exposes-tenant', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('reports materialized views over tenant tables, error when someone can select them', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['order_history', 'order_totals']);
    expect(problems.get('order_totals')).toMatchObject({ severity: 'error' });
    expect(problems.get('order_totals')!.message).toContain(`${db.role('analyst')}, ${db.role('analysts')}, ${db.role('app_user')} read every organization's rows from it`);
    expect(problems.get('order_history')).toMatchObject({ severity: 'warning' });
  });

  it('proves it: app_user and a member of analysts read both organizations', async () => {
    for (const role of ['app_user', 'analyst']) {
      const seen = await db.asRole(role, async (c) => (await c.query('SELECT organization_id FROM order_totals ORDER BY 1')).rows, { value: '1' });
      expect(seen.map((r) => r.organization_id)).toEqual([1, 2]);
    }
  });

  it('its fix revokes from the grantees, after which only a warning remains', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('order_totals')!.fix!;
    expect(fix.sql).toBe(`REVOKE SELECT ON "public"."order_totals" FROM "${db.role('analysts')}", "${db.role('app_user')}";`);
    expect(problemsByObject(rule, await ruleContextAfter(db, fix.sql)).get('order_totals')).toMatchObject({ severity: 'warning' });
  });
});
