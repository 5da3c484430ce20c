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
  -- a reader held to the tenant policy of the table it is built from: the fix makes it a security_invoker view
  CREATE ROLE reporter LOGIN;
  GRANT SELECT ON orders TO reporter;
  CREATE POLICY reporter_tenant ON orders TO reporter USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::int);
  CREATE MATERIALIZED VIEW order_counts AS SELECT organization_id, count(*) AS orders FROM orders GROUP BY organization_id;
  GRANT SELECT ON order_counts TO reporter;
  COMMENT ON MATERIALIZED VIEW order_counts IS 'orders per organization';
`;

describe('materialized-view-exposes-tenant', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('reports materialized views over tenant tables, error when someone can select them', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['order_counts', 'order_history', 'order_totals']);
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

  it('its fix revokes from the grantees when they could not read the tables themselves, after which only a warning remains', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('order_totals')!.fix!;
    expect(fix.sql).toBe(`REVOKE SELECT ON "public"."order_totals" FROM "${db.role('analysts')}", "${db.role('app_user')}";`);
    expect(problemsByObject(rule, await ruleContextAfter(db, fix.sql)).get('order_totals')).toMatchObject({ severity: 'warning' });
  });

  it('replaces it with a security_invoker view when its readers hold SELECT on its tables: same name, grants and comment, nothing left to report', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('order_counts')!.fix!;
    expect(fix.title).toBe("Replace public.order_counts with a view that runs with the reader's rights");
    expect(fix.sql).toMatch(/^DO \$tenantguard\$\n/);
    expect(problemsByObject(rule, await ruleContextAfter(db, fix.sql)).has('order_counts')).toBe(false);
  });

  it('proves that fix as reporter: every organization before, its own after; the fix runs twice', async () => {
    const read = () =>
      db.asRole('reporter', async (c) => (await c.query('SELECT organization_id, orders FROM order_counts ORDER BY 1')).rows, { value: '1' });
    expect((await read()).map((r) => r.organization_id)).toEqual([1, 2]);
    const fix = problemsByObject(rule, await ruleContext(db)).get('order_counts')!.fix!;
    await db.exec(fix.sql);
    await db.exec(fix.sql);
    expect(await read()).toEqual([{ organization_id: 1, orders: '1' }]);
    const kept = await db.client.query(
      `SELECT c.relkind, pg_catalog.obj_description(c.oid, 'pg_class') AS comment FROM pg_catalog.pg_class c WHERE c.oid = 'public.order_counts'::pg_catalog.regclass`,
    );
    expect(kept.rows).toEqual([{ relkind: 'v', comment: 'orders per organization' }]);
  });
});
