import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/schema-tenant-crossing.js';
import type { RuleContext } from '../../src/rules/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ruleContext, ruleContextAfter } from '../support/rule-context.js';
import { ownProblems, pad, summary, tenantSchemasSql } from '../support/tenant-schemas.js';

// 50 tenant schemas, each owned by its tenant role, and the holes planted between them.
const PLANTS = `
  GRANT USAGE ON SCHEMA tenant_03 TO tr02;
  GRANT SELECT ON tenant_03.items TO tr02;
  GRANT USAGE ON SCHEMA tenant_06 TO tr05;
  GRANT USAGE ON SCHEMA tenant_07 TO PUBLIC;
  GRANT USAGE ON SCHEMA tenant_08 TO PUBLIC;
  GRANT SELECT ON tenant_08.items TO PUBLIC;
  GRANT tr15 TO tr14;
  ALTER ROLE tr16 NOINHERIT;
  GRANT tr17 TO tr16;
  CREATE ROLE auditor LOGIN;
  GRANT USAGE ON SCHEMA tenant_20, tenant_21 TO auditor;
  GRANT SELECT ON tenant_20.items, tenant_21.items TO auditor;
  ALTER TABLE tenant_23.items ENABLE ROW LEVEL SECURITY;
  GRANT USAGE ON SCHEMA tenant_23 TO tr22;
  GRANT SELECT ON tenant_23.items TO tr22;
  GRANT USAGE ON SCHEMA tenant_25 TO tr24;
  GRANT SELECT (id) ON tenant_25.items TO tr24;
  CREATE VIEW tenant_27.item_ids AS SELECT id FROM tenant_27.items;
  GRANT USAGE ON SCHEMA tenant_27 TO tr26;
  GRANT SELECT ON tenant_27.item_ids TO tr26;
  GRANT USAGE, CREATE ON SCHEMA tenant_29 TO tr28;
  CREATE TABLE tenant_29.drop_box (note text);
  ALTER TABLE tenant_29.drop_box OWNER TO tr28;
`;

const ALL_SCHEMAS = Array.from({ length: 50 }, (_, i) => `tenant_${pad(i + 1)}`).join(', ');

describe('schema-tenant-crossing', () => {
  let db: TestDatabase;
  let ctx: RuleContext;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: tenantSchemasSql(50) + PLANTS });
    ctx = await ruleContext(db, { schemas: null, schemaPerTenant: 'tenant_*' });
  });
  afterAll(() => db?.close());

  it('reads the 50 tenant schemas in the one catalog statement', () => {
    expect(ctx.catalog.tenantSchemas!.schemas).toHaveLength(50);
    expect(ctx.catalog.tenantSchemas!.schemas[0]).toMatchObject({ name: 'tenant_01', owner: db.role('tr01') });
  });

  it('reports exactly the planted crossings, and nothing for the shared app role', () => {
    expect(summary(db, rule.check(ctx), rule.defaultSeverity)).toEqual([
      'error schema tenant_03 tr02',
      'error schema tenant_08 PUBLIC',
      'error schema tenant_15 tr14',
      'error schema tenant_17 tr16',
      'error schema tenant_25 tr24',
      'warning role auditor',
      'warning schema tenant_06 tr05',
      'warning schema tenant_07 PUBLIC',
      'warning schema tenant_23 tr22',
      'warning schema tenant_27 tr26',
      'warning schema tenant_29 tr28',
    ]);
  });

  it('a tenant role that reaches every tenant schema is a warning on the role: it may as well serve them all', async () => {
    const after = await ruleContextAfter(db, `GRANT USAGE ON SCHEMA ${ALL_SCHEMAS} TO tr30; GRANT SELECT ON ALL TABLES IN SCHEMA ${ALL_SCHEMAS} TO tr30`, {
      schemas: null,
      schemaPerTenant: 'tenant_*',
    });
    const mine = summary(db, rule.check(after), rule.defaultSeverity).filter((line) => line.includes('tr30'));
    expect(mine).toEqual(['warning role tr30']);
    expect(ownProblems(db, rule.check(after)).find((p) => p.object.name === db.role('tr30'))!.message).toContain(
      'it is the tenant role of tenant_30 but reaches every tenant schema',
    );
  });

  it('says how each role gets there, and revokes what was granted to it', () => {
    const byKey = new Map(ownProblems(db, rule.check(ctx)).map((p) => [`${p.object.name} ${p.key}`, p]));
    const own = byKey.get(`tenant_03 ${db.role('tr02')}`)!;
    expect(own.message).toBe(
      `${db.role('tr02')}, the tenant role of tenant_02, holds USAGE on tenant schema tenant_03 (granted to it) and SELECT on tenant_03.items (granted to it): ` +
        "it reads or writes another tenant's rows, and no row level security applies to it there",
    );
    expect(own.fix!.sql).toBe(`REVOKE ALL ON SCHEMA "tenant_03" FROM "${db.role('tr02')}";\nREVOKE ALL ON "tenant_03"."items" FROM "${db.role('tr02')}";`);
    expect(byKey.get(`tenant_15 ${db.role('tr14')}`)!.message).toContain(`(through its membership in ${db.role('tr15')})`);
    expect(byKey.get(`tenant_15 ${db.role('tr14')}`)!.fix).toBeNull();
    expect(byKey.get(`tenant_17 ${db.role('tr16')}`)!.message).toContain(`(after SET ROLE ${db.role('tr17')})`);
    expect(byKey.get(`tenant_25 ${db.role('tr24')}`)!.message).toContain('SELECT (some columns) on tenant_25.items');
    expect(byKey.get('tenant_08 PUBLIC')!.fix!.sql).toBe('REVOKE ALL ON SCHEMA "tenant_08" FROM PUBLIC;\nREVOKE ALL ON "tenant_08"."items" FROM PUBLIC;');
    expect(byKey.get(`tenant_23 ${db.role('tr22')}`)!.message).toMatch(/^could not prove that .* only the row level security policies there/);
    expect(byKey.get(`tenant_29 ${db.role('tr28')}`)!.message).toMatch(/^could not prove .* and CREATE \(granted to it\) and .* it owns those objects itself/);
    expect(byKey.get(`tenant_27 ${db.role('tr26')}`)!.message).toMatch(/^could not prove that .* a view's rows are whatever its definition selects/);
  });

  it("proves the errors: each role reads the other tenant's row", async () => {
    const read = (role: string, sql: string) => db.asRole(role, async (c) => (await c.query(sql)).rows);
    expect(await read('tr02', 'SELECT secret FROM tenant_03.items')).toEqual([{ secret: 'secret of tenant 03' }]);
    expect(await read('tr09', 'SELECT secret FROM tenant_08.items')).toEqual([{ secret: 'secret of tenant 08' }]);
    expect(await read('tr14', 'SELECT secret FROM tenant_15.items')).toEqual([{ secret: 'secret of tenant 15' }]);
    expect(await db.asRole('tr16', async (c) => {
      await c.query(`SET ROLE ${db.role('tr17')}`);
      return (await c.query('SELECT secret FROM tenant_17.items')).rows;
    })).toEqual([{ secret: 'secret of tenant 17' }]);
    expect(await read('tr24', 'SELECT id FROM tenant_25.items')).toEqual([{ id: 25 }]);
  });

  it('proves the warnings are latent: USAGE alone reads nothing, RLS without a policy shows no row', async () => {
    await expect(db.asRole('tr05', (c) => c.query('SELECT secret FROM tenant_06.items'))).rejects.toThrow(/permission denied for table items/);
    await expect(db.asRole('tr09', (c) => c.query('SELECT secret FROM tenant_07.items'))).rejects.toThrow(/permission denied for table items/);
    await expect(db.asRole('tr04', (c) => c.query('SELECT secret FROM tenant_03.items'))).rejects.toThrow(/permission denied for schema tenant_03/);
    expect(await db.asRole('tr22', async (c) => (await c.query('SELECT secret FROM tenant_23.items')).rows)).toEqual([]);
  });

  it('its fixes close the holes they name', async () => {
    const fixes = ownProblems(db, rule.check(ctx)).flatMap((p) => (p.fix ? [p.fix.sql] : []));
    const after = await ruleContextAfter(db, fixes.join('\n'), { schemas: null, schemaPerTenant: 'tenant_*' });
    expect(summary(db, rule.check(after), rule.defaultSeverity)).toEqual([
      'error schema tenant_15 tr14',
      'error schema tenant_17 tr16',
      'warning role auditor',
    ]);
  });

  it('is silent without schemaPerTenant, and for a glob that matches one schema', async () => {
    expect(rule.check(await ruleContext(db, { schemas: null }))).toEqual([]);
    expect(rule.check(await ruleContext(db, { schemas: null, schemaPerTenant: 'tenant_0?' }))).not.toEqual([]);
    expect(ownProblems(db, rule.check(await ruleContext(db, { schemas: null, schemaPerTenant: 'tenant_03' })))).toEqual([]);
  });
});
