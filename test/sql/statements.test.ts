import { loadModule, parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import * as build from '../../src/sql/statements.js';

/** Names that only survive correct quoting. */
const table = { schema: 'Tenant Data', name: 'Order "Items"' };
const view = { schema: 'select', name: 'ü'.repeat(31) };
const fn = { schema: 'a"b', name: 'current org', identityArguments: 'uuid, text' };
const predicate = build.tenantPredicate('organization id', "app.org'id", 'uuid');

/** Every builder, with hostile names, and how many statements it writes. */
const STATEMENTS: [string, string, number][] = [
  ['enableRls', build.enableRls(table), 1],
  ['forceRls', build.forceRls(table), 1],
  ['enableAndForceRls', build.enableAndForceRls(table), 2],
  ['restrictivePolicy', build.restrictivePolicy('tenant "isolation"', table, ['app user', 'public'], predicate), 1],
  ['alterPolicy', build.alterPolicy('p', table, `WITH CHECK (${predicate})`), 1],
  ['revoke', build.revoke('SELECT', view, ['public', 'Reporting']), 1],
  ['revokeTruncate', build.revokeTruncate(table, ['app user']), 1],
  ['securityInvokerView', build.securityInvokerView(view), 1],
  ['pinSearchPath', build.pinSearchPath(fn), 1],
  ['securityInvokerFunction', build.securityInvokerFunction(fn), 1],
  [
    'materializedViewAsInvokerView',
    build.materializedViewAsInvokerView({
      ...view,
      owner: 'Mig"rator',
      definition: " SELECT 'it''s $tenantguard$' AS label\n   FROM \"Tenant Data\".\"Order \"\"Items\"\"\";",
      grants: [{ grantee: 'public', privileges: ['SELECT'] }, { grantee: 'Mig"rator', privileges: ['SELECT', 'UPDATE'] }],
      comment: "o'clock",
    }),
    1,
  ],
  ['setNotNull', build.setNotNull(table, 'organization id'), 1],
  ['createIndex', build.createIndex(table, ['organization id', 'id'], 'by "org"'), 1],
  ['createIndex without a name', build.createIndex(table, ['organization id']), 1],
];

beforeAll(async () => {
  await loadModule();
});

describe('sql/statements', () => {
  it.each(STATEMENTS)('%s is valid SQL with hostile names', (_name, sql, count) => {
    expect((parseSync(sql) as { stmts: unknown[] }).stmts).toHaveLength(count);
  });

  it('write the tenant predicate in its typed, fail-closed, once-per-statement form', () => {
    expect(build.tenantPredicate('organization_id', 'app.current_org_id', 'uuid')).toBe(
      `"organization_id" = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)`,
    );
    expect(predicate).toBe(`"organization id" = (SELECT NULLIF(current_setting('app.org''id', true), '')::uuid)`);
  });

  it('quote every name and keep PUBLIC a keyword', () => {
    expect(build.enableAndForceRls(table)).toBe(
      'ALTER TABLE "Tenant Data"."Order ""Items""" ENABLE ROW LEVEL SECURITY;\nALTER TABLE "Tenant Data"."Order ""Items""" FORCE ROW LEVEL SECURITY;',
    );
    expect(build.revoke('SELECT', view, ['public', 'Reporting'])).toBe(`REVOKE SELECT ON "select"."${'ü'.repeat(31)}" FROM PUBLIC, "Reporting";`);
    expect(build.pinSearchPath(fn)).toBe('ALTER FUNCTION "a""b"."current org"(uuid, text) SET search_path = pg_catalog, "a""b", pg_temp;');
    expect(build.securityInvokerFunction(fn)).toBe('ALTER FUNCTION "a""b"."current org"(uuid, text) SECURITY INVOKER;');
  });

  it('rebuild a materialized view under a quote tag its query does not contain, granting again what others held', () => {
    const sql = build.materializedViewAsInvokerView({ ...view, owner: 'o', definition: " SELECT '$tenantguard$' AS t;", grants: [{ grantee: 'public', privileges: ['SELECT'] }, { grantee: 'o', privileges: ['SELECT'] }], comment: null });
    expect(sql).toMatch(/^DO \$tenantguard1\$\n/);
    expect(sql).toContain(`GRANT SELECT ON "select"."${'ü'.repeat(31)}" TO PUBLIC;`);
    expect(sql).not.toMatch(/GRANT .* TO "o"/);
  });
});
