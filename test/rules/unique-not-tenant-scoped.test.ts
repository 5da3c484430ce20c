import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/unique-not-tenant-scoped.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE migrator NOLOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE customers (
    id int PRIMARY KEY,
    organization_id int NOT NULL REFERENCES organizations,
    email text NOT NULL UNIQUE,
    slug text NOT NULL,
    code text NOT NULL,
    api_token_hash text UNIQUE,
    stripe_customer_id text UNIQUE,
    UNIQUE (organization_id, slug),
    UNIQUE (id, code)
  );
  CREATE UNIQUE INDEX customers_lower_email_idx ON customers (lower(email));
  CREATE UNIQUE INDEX customers_code_idx ON customers (code);
  INSERT INTO customers VALUES (1, 1, 'ann@a.test', 'ann', 'A1'), (2, 2, 'bob@b.test', 'bob', 'B1');
  ALTER TABLE customers ENABLE ROW LEVEL SECURITY; ALTER TABLE customers FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON customers TO app_user USING (organization_id = ${CTX}) WITH CHECK (organization_id = ${CTX});
  ALTER TABLE customers OWNER TO migrator;
  GRANT SELECT, INSERT ON customers TO app_user;
`;

describe('unique-not-tenant-scoped', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const insert = (sql: string) => db.asRole('app_user', async (c) => (await c.query(sql)).rowCount, { value: '1' });

  it('reports unique keys without the tenant column, except those containing the primary key', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual([
      'customers.customers_api_token_hash_key',
      'customers.customers_code_idx',
      'customers.customers_email_key',
      'customers.customers_lower_email_idx',
      'customers.customers_stripe_customer_id_key',
    ]);
    expect(problems.get('customers.customers_email_key')!.object.kind).toBe('constraint');
    expect(problems.get('customers.customers_code_idx')!.object.kind).toBe('index');
    expect(problems.get('customers.customers_lower_email_idx')!.fix).toBeNull();
  });

  it('is a warning for a key users choose per tenant, info otherwise, and never re-scopes a token or an external id', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    const severity = (key: string) => problems.get(`customers.${key}`)!.severity ?? rule.defaultSeverity;
    expect(rule.defaultSeverity).toBe('info');
    expect(severity('customers_email_key')).toBe('warning');
    expect(severity('customers_lower_email_idx')).toBe('warning');
    expect(severity('customers_code_idx')).toBe('info');
    expect(problems.get('customers.customers_code_idx')!.message).toContain('scope it if the value is chosen per organization, keep it if it must be unique everywhere');
    for (const key of ['customers_api_token_hash_key', 'customers_stripe_customer_id_key']) {
      expect(severity(key)).toBe('info');
      expect(problems.get(`customers.${key}`)!.fix).toBeUndefined();
      expect(problems.get(`customers.${key}`)!.message).toContain('must stay unique across every organization, so keep the key as it is');
    }
  });

  it('proves the oracle: organization 1 learns that bob@b.test exists in another organization it cannot read', async () => {
    expect(await db.asRole('app_user', async (c) => (await c.query(`SELECT 1 FROM customers WHERE email = 'bob@b.test'`)).rows, { value: '1' })).toEqual([]);
    await expect(insert(`INSERT INTO customers VALUES (3, 1, 'bob@b.test', 'x', 'X1')`)).rejects.toThrow(/duplicate key/);
    expect(await insert(`INSERT INTO customers VALUES (3, 1, 'carl@a.test', 'bob', 'X1')`)).toBe(1); // (organization_id, slug) is per tenant
  });

  it('its fixes scope the keys to the tenant', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    const fixes = ['customers.customers_email_key', 'customers.customers_code_idx'].map((k) => problems.get(k)!.fix!.sql);
    expect(fixes[0]).toBe(
      'ALTER TABLE "public"."customers" DROP CONSTRAINT "customers_email_key",\n  ADD CONSTRAINT "customers_email_key" UNIQUE ("organization_id", "email");',
    );
    expect(fixes[1]).toBe('DROP INDEX "public"."customers_code_idx";\nCREATE UNIQUE INDEX "customers_code_idx" ON "public"."customers" ("organization_id", "code");');
    const after = problemsByObject(rule, await ruleContextAfter(db, fixes.join('\n')));
    expect([...after.keys()].sort()).toEqual(['customers.customers_api_token_hash_key', 'customers.customers_lower_email_idx', 'customers.customers_stripe_customer_id_key']);
  });
});
