import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/foreign-table-tenant.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext } from '../support/rule-context.js';

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  CREATE FOREIGN DATA WRAPPER tg_fdw;
  CREATE SERVER tg_server FOREIGN DATA WRAPPER tg_fdw;
  CREATE FOREIGN TABLE remote_orders (id int, organization_id int NOT NULL) SERVER tg_server;
  CREATE FOREIGN TABLE remote_archive (id int, organization_id int NOT NULL) SERVER tg_server;
  CREATE FOREIGN TABLE remote_rates (code text, rate numeric) SERVER tg_server;
  GRANT SELECT ON remote_orders, remote_rates TO app_user;
`;

describe('foreign-table-tenant', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('reports foreign tables that hold tenant rows', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['remote_archive', 'remote_orders']);
    expect(problems.get('remote_orders')!.message).toContain(`${db.role('app_user')} read every organization's rows from it`);
    expect(problems.get('remote_orders')!.fix!.sql).toBe(`REVOKE ALL ON "public"."remote_orders" FROM "${db.role('app_user')}";`);
    expect(problems.get('remote_archive')!.message).toContain('any role granted SELECT on it would read');
    expect(problems.get('remote_archive')!.fix).toBeNull();
  });

  it('agrees with Postgres: row level security cannot be enabled on a foreign table', async () => {
    await expect(db.exec('ALTER TABLE remote_orders ENABLE ROW LEVEL SECURITY')).rejects.toThrow(/remote_orders/);
  });
});
