import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crossing from '../../src/rules/schema-tenant-crossing.js';
import searchPath from '../../src/rules/schema-search-path-crossing.js';
import rule from '../../src/rules/schema-tenant-shared-role.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ruleContext, ruleContextAfter } from '../support/rule-context.js';
import { ownProblems, summary, tenantSchemasSql } from '../support/tenant-schemas.js';

const CONFIG = { schemas: null, schemaPerTenant: 'tenant_*' };

describe('schema-tenant-shared-role', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    // the clean layout: 50 tenant schemas, each its tenant role's, and one app role that uses them all
    db = await createTestDatabase({ setup: tenantSchemasSql(50) });
  });
  afterAll(() => db?.close());

  it('a clean shared-app-role layout: one info for the app role, no crossing, no search_path finding', async () => {
    const ctx = await ruleContext(db, CONFIG);
    expect(summary(db, rule.check(ctx), rule.defaultSeverity)).toEqual(['info role app']);
    expect(summary(db, crossing.check(ctx), crossing.defaultSeverity)).toEqual([]);
    expect(summary(db, searchPath.check(ctx), searchPath.defaultSeverity)).toEqual([]);
    expect(ownProblems(db, rule.check(ctx))[0]!.message).toBe(
      `${db.role('app')} reaches 50 of the 50 tenant schemas (tenant_01, tenant_02, tenant_03, tenant_04, tenant_05 and 45 more), with row privileges on 50 relations: ` +
        "isolation between tenants rests on the search_path the app sets for each request (SET LOCAL search_path inside the request's transaction) " +
        `and on no query naming another tenant's schema — the database itself lets every session of ${db.role('app')} read every tenant`,
    );
  });

  it('proves what it says: the app role reads any tenant, whichever search_path it has', async () => {
    const rows = await db.asRole('app', async (c) => {
      await c.query('SET LOCAL search_path = tenant_01');
      return (await c.query('SELECT (SELECT secret FROM items) AS own, (SELECT secret FROM tenant_50.items) AS other')).rows;
    });
    expect(rows).toEqual([{ own: 'secret of tenant 01', other: 'secret of tenant 50' }]);
  });

  it('names the login role, not the group role it reaches the schemas through', async () => {
    const ctx = await ruleContextAfter(
      db,
      `CREATE ROLE schemas_owner NOLOGIN; CREATE ROLE web LOGIN IN ROLE schemas_owner;
       GRANT USAGE ON SCHEMA ${Array.from({ length: 50 }, (_, i) => `tenant_${String(i + 1).padStart(2, '0')}`).join(', ')} TO schemas_owner;`,
      CONFIG,
    );
    expect(summary(db, rule.check(ctx), rule.defaultSeverity)).toEqual(['info role app', 'info role web']);
    expect(summary(db, crossing.check(ctx), crossing.defaultSeverity)).toEqual([]);
  });

  it('takes the configured app role as the shared role even when it cannot log in', async () => {
    const ctx = await ruleContextAfter(db, 'ALTER ROLE app NOLOGIN', { ...CONFIG, appRole: db.role('app') });
    expect(summary(db, rule.check(ctx), rule.defaultSeverity)).toEqual(['info role app']);
  });
});
