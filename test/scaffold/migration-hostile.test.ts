/**
 * The scaffold on names that break naive SQL building: a non-public schema
 * with a space, `"Order Items"`, the keyword `select`, `a"b`, unicode, a
 * 63-byte name, a column with a space on the backfill path — applied to a
 * real database, re-audited, applied again, and used as the app role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES_FIXED_BY_SCAFFOLD } from '../../src/scaffold/migration/types.js';
import { quoteQualified } from '../../src/sql/quote.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { audit, comparable, scaffold, type Audited, type Scaffolded } from './support.js';

const LONG = `t${'ü'.repeat(31)}`; // 63 bytes: the longest name Postgres keeps
const ORG_A = '00000000-0000-4000-8000-00000000000a';
const ORG_B = '00000000-0000-4000-8000-00000000000b';
const S = '"Tenant Data"';

const SETUP = `
CREATE ROLE app_user LOGIN;
CREATE SCHEMA ${S};
CREATE TABLE ${S}.organizations (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE ${S}."select" (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES ${S}.organizations (id),
  title text NOT NULL
);
CREATE TABLE ${S}."Order Items" (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "select id" uuid NOT NULL REFERENCES ${S}."select" (id),
  qty integer NOT NULL
);
CREATE TABLE ${S}."a""b" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), organization_id uuid NOT NULL REFERENCES ${S}.organizations (id));
CREATE TABLE ${S}."ünïcödé" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), organization_id uuid NOT NULL REFERENCES ${S}.organizations (id));
CREATE TABLE ${S}."${LONG}" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), organization_id uuid NOT NULL REFERENCES ${S}.organizations (id));
-- The guide's policy: casts the column, no WITH CHECK, TO PUBLIC.
ALTER TABLE ${S}."ünïcödé" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "org isolation" ON ${S}."ünïcödé" USING (organization_id::text = current_setting('app.current_org_id', true));
CREATE VIEW ${S}."select summary" AS SELECT id, organization_id, title FROM ${S}."select";
GRANT USAGE ON SCHEMA ${S} TO app_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${S} TO app_user;
GRANT TRUNCATE ON ${S}."a""b" TO app_user;
INSERT INTO ${S}.organizations VALUES ('${ORG_A}', 'A'), ('${ORG_B}', 'B');
INSERT INTO ${S}."select" (id, organization_id, title) VALUES
  ('10000000-0000-4000-8000-00000000000a', '${ORG_A}', 'a'), ('10000000-0000-4000-8000-00000000000b', '${ORG_B}', 'b');
INSERT INTO ${S}."Order Items" ("select id", qty) VALUES
  ('10000000-0000-4000-8000-00000000000a', 1), ('10000000-0000-4000-8000-00000000000b', 2);
INSERT INTO ${S}."a""b" (organization_id) VALUES ('${ORG_A}'), ('${ORG_B}');
INSERT INTO ${S}."ünïcödé" (organization_id) VALUES ('${ORG_A}'), ('${ORG_B}');
INSERT INTO ${S}."${LONG}" (organization_id) VALUES ('${ORG_A}'), ('${ORG_B}');
`;

const TABLES = ['select', 'Order Items', 'a"b', 'ünïcödé', LONG];

let db: TestDatabase;
let before: Audited;
let scaffolded: Scaffolded;
let after: Audited;

beforeAll(async () => {
  db = await createTestDatabase({ setup: SETUP });
  before = await audit(db, { appRole: db.role('app_user') });
  scaffolded = await scaffold(before);
  await db.client.query(scaffolded.sql);
  after = await audit(db, { appRole: db.role('app_user') });
});
afterAll(async () => {
  await db?.close();
});

describe('scaffold migration on hostile names', () => {
  it('covers every flagged table of the non-public schema', () => {
    expect(scaffolded.plan.tables.map((t) => `${t.schema}.${t.name}`).sort()).toEqual(TABLES.map((t) => `Tenant Data.${t}`).sort());
    expect(before.findings.some((f) => f.rule === 'tenant-column-missing' && f.object.name === 'Order Items')).toBe(true);
  });

  it('leaves no error or warning of the rules it fixes', () => {
    const left = after.findings.filter((f) => RULES_FIXED_BY_SCAFFOLD.includes(f.rule) && f.severity !== 'info');
    expect(left).toEqual([]);
    for (const name of TABLES) {
      const table = after.catalog.tables.find((t) => t.schema === 'Tenant Data' && t.name === name)!;
      expect(table.rlsEnabled && table.rlsForced, name).toBe(true);
    }
  });

  it('gives the indirect table its own tenant column, backfilled, NOT NULL, with a key to the root and an index', () => {
    const table = after.catalog.tables.find((t) => t.name === 'Order Items')!;
    expect(table.columns.find((c) => c.name === 'organization_id')).toMatchObject({ type: 'uuid', notNull: true });
    const fk = table.constraints.find((c) => c.type === 'foreign-key' && c.columns[0] === 'organization_id');
    expect(fk?.references).toMatchObject({ schema: 'Tenant Data', name: 'organizations', columns: ['id'] });
    expect(table.indexes.some((i) => i.columns[0] === 'organization_id')).toBe(true);
  });

  it('keeps generated names within 63 bytes', () => {
    const table = after.catalog.tables.find((t) => t.name === LONG)!;
    const index = table.indexes.find((i) => i.columns[0] === 'organization_id')!;
    expect(Buffer.byteLength(index.name)).toBeLessThanOrEqual(63);
    expect(scaffolded.sql).toContain(`"${index.name}"`);
  });

  it('is a no-op when applied again', async () => {
    await db.client.query(scaffolded.sql);
    const again = await audit(db, { appRole: db.role('app_user') });
    const ownRole = (role: string) => role.startsWith(db.role(''));
    expect(comparable(again.catalog, ownRole)).toEqual(comparable(after.catalog, ownRole));
  });

  it('lets the tenant see and insert its own rows, and only those', async () => {
    for (const name of TABLES) {
      const table = quoteQualified('Tenant Data', name);
      const rows = await db.asRole(
        'app_user',
        async (c) => (await c.query<{ organization_id: string }>(`SELECT organization_id FROM ${table}`)).rows,
        { value: ORG_A },
      );
      expect(rows.map((r) => r.organization_id), name).toEqual([ORG_A]);
    }
    const inserted = await db.asRole(
      'app_user',
      async (c) => {
        // No organization_id given: the new column defaults to the transaction's tenant.
        await c.query(`INSERT INTO ${S}."Order Items" ("select id", qty) VALUES ('10000000-0000-4000-8000-00000000000a', 5)`);
        await c.query(`INSERT INTO ${S}."a""b" (organization_id) VALUES ('${ORG_A}')`);
        return (await c.query(`SELECT organization_id FROM ${S}."Order Items" WHERE qty = 5`)).rows;
      },
      { value: ORG_A },
    );
    expect(inserted).toEqual([{ organization_id: ORG_A }]);
  });

  it('refuses rows for another tenant and fails closed without a tenant', async () => {
    await expect(
      db.asRole('app_user', (c) => c.query(`INSERT INTO ${S}."ünïcödé" (organization_id) VALUES ('${ORG_B}')`), { value: ORG_A }),
    ).rejects.toMatchObject({ code: '42501' });
    for (const value of [undefined, '']) {
      const count = await db.asRole(
        'app_user',
        async (c) => (await c.query(`SELECT count(*)::int AS n FROM ${S}."select"`)).rows[0].n,
        value === undefined ? undefined : { value },
      );
      expect(count).toBe(0);
    }
  });

  it('revokes TRUNCATE that the audit flagged', () => {
    expect(before.findings.some((f) => f.rule === 'truncate-granted' && f.object.name === db.role('app_user'))).toBe(true);
    const table = after.catalog.tables.find((t) => t.name === 'a"b')!;
    expect(table.grants.find((g) => g.grantee === db.role('app_user'))?.privileges).not.toContain('TRUNCATE');
  });

  it("switches a view over a protected table to the caller's rights, so the tenant sees only its rows through it", async () => {
    expect(before.catalog.views.find((v) => v.name === 'select summary')?.securityInvoker).toBe(false);
    expect(after.catalog.views.find((v) => v.name === 'select summary')?.securityInvoker).toBe(true);
    const rows = await db.asRole('app_user', async (c) => (await c.query(`SELECT organization_id FROM ${S}."select summary"`)).rows, {
      value: ORG_A,
    });
    expect(rows).toEqual([{ organization_id: ORG_A }]);
  });
});
