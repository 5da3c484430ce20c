import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/schema-search-path-crossing.js';
import { searchPathSchemas } from '../../src/tenancy/search-path.js';
import { createTestDatabase, engine, type TestDatabase } from '../support/db.js';
import { asLogin } from '../support/login-session.js';
import { ruleContext, ruleContextAfter } from '../support/rule-context.js';
import { ownProblems, summary, tenantSchemasSql } from '../support/tenant-schemas.js';

const CONFIG = { schemas: null, schemaPerTenant: 'tenant_*' };

// tr01 names tenant_02, which it can use; tr03 names tenant_04, which it cannot; tr05 names only its own schema.
const PLANTS = `
  ALTER ROLE tr01 LOGIN;
  GRANT USAGE ON SCHEMA tenant_02 TO tr01;
  ALTER ROLE tr01 SET search_path = tenant_01, tenant_02, public;
  ALTER ROLE tr03 SET search_path = "$user", tenant_03, tenant_04;
  ALTER ROLE tr05 SET search_path = tenant_05, public;
`;

describe('schema-search-path-crossing', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: tenantSchemasSql(6) + PLANTS });
  });
  afterAll(() => db?.close());

  it('reads a search_path the way Postgres splits it', () => {
    expect(searchPathSchemas('"$user", Tenant_A, "Tenant B", "a""b"', 'me')).toEqual(['me', 'tenant_a', 'Tenant B', 'a"b']);
  });

  it("warns for a tenant role whose default names another tenant's schema it can use; info when it cannot", async () => {
    const problems = rule.check(await ruleContext(db, CONFIG));
    expect(summary(db, problems, rule.defaultSeverity)).toEqual(['info role tr03 search_path', 'warning role tr01 search_path']);
    const byRole = new Map(ownProblems(db, problems).map((p) => [p.object.name, p]));
    expect(byRole.get(db.role('tr01'))!.message).toContain("which names tenant_02 — another tenant's schema it can use");
    expect(byRole.get(db.role('tr01'))!.fix!.sql).toBe(`ALTER ROLE "${db.role('tr01')}" SET search_path = "tenant_01", "public";`);
    expect(byRole.get(db.role('tr03'))!.message).toContain('Postgres skips a schema the role has no USAGE on');
  });

  // ALTER ROLE … SET applies at login only; an embedded instance is one session of its bootstrap superuser.
  it.runIf(engine === 'server')("proves it: a login of tr01 resolves a name its own schema lacks to tenant_02's table", async () => {
    await db.exec('CREATE TABLE tenant_02.invoices (secret text); INSERT INTO tenant_02.invoices VALUES (\'invoice of tenant 02\'); GRANT SELECT ON tenant_02.invoices TO tr01');
    try {
      const result = await asLogin(db, 'tr01', ['SELECT secret FROM invoices']);
      expect(result.rows).toEqual([{ secret: 'invoice of tenant 02' }]);
    } finally {
      await db.exec('DROP TABLE tenant_02.invoices');
    }
  });

  it('warns for a shared role or a database default that starts sessions inside one tenant', async () => {
    const ctx = await ruleContextAfter(db, `ALTER ROLE app SET search_path = tenant_06, public; ALTER DATABASE ${db.name} SET search_path = tenant_05`, CONFIG);
    const problems = rule.check(ctx);
    expect(summary(db, problems, rule.defaultSeverity)).toEqual([
      `info role tr03 search_path`,
      'warning database ' + db.name + ' search_path',
      'warning role app search_path',
      'warning role tr01 search_path',
    ]);
    const app = ownProblems(db, problems).find((p) => p.object.name === db.role('app'))!;
    expect(app.message).toContain('every session of it starts inside that tenant before the app sets search_path');
    expect(app.fix!.sql).toBe(`ALTER ROLE "${db.role('app')}" SET search_path = "public";`);
  });

  it('reads the role default for this database before the role-wide one', async () => {
    const ctx = await ruleContextAfter(db, `ALTER ROLE tr01 IN DATABASE ${db.name} SET search_path = tenant_01`, CONFIG);
    expect(summary(db, rule.check(ctx), rule.defaultSeverity)).toEqual(['info role tr03 search_path']);
  });
});
