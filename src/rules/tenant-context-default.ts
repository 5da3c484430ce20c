import type { SettingDefault } from '../catalog/types.js';
import { displayName, quoteIdent } from '../sql/quote.js';
import { tenantNoun } from '../tenancy/describe-policy.js';
import { canReachTable } from '../tenancy/roles.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

/** A setting name as ALTER … RESET takes it: each dotted part an identifier. */
function settingName(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}

function reset(d: SettingDefault, database: string): string {
  const name = settingName(d.name);
  // ALTER ROLE ALL … SET without IN DATABASE is stored for no role and no database
  if (d.role === null && d.database === null) return `ALTER ROLE ALL RESET ${name};`;
  if (d.role === null) return `ALTER DATABASE ${quoteIdent(database)} RESET ${name};`;
  const inDb = d.database === null ? '' : ` IN DATABASE ${quoteIdent(database)}`;
  return `ALTER ROLE ${quoteIdent(d.role)}${inDb} RESET ${name};`;
}

/**
 * Roles are cluster-wide, and a role-level default follows the role into every
 * database (docs/postgres-rls.md#setting-defaults): a role of another app that
 * reaches no tenant table here starts no session inside one of this
 * database's tenants. Only the app role and roles that reach a tenant table
 * (themselves, by membership or by SET ROLE) matter.
 */
function reachesTenantData(tenancy: Tenancy, role: string): boolean {
  return role === tenancy.appRole || tenancy.tenantTables.some(({ table }) => canReachTable(tenancy.roles, role, table));
}

export default defineRule({
  id: 'tenant-context-default',
  title: 'Tenant context has a role or database default',
  defaultSeverity: 'error',
  description:
    'ALTER ROLE/DATABASE … SET on the tenant setting gives every session a tenant before the app chooses one: a request that forgets to set it reads that tenant.',
  check({ catalog, tenancy, policies }) {
    // the configured setting, and any other setting a tenant-scoped policy pins the tenant column to
    const settings = new Set([tenancy.contextSetting.toLowerCase()]);
    for (const { analysis } of policies.tenantClauses()) {
      if (analysis.verdict.scope === 'tenant') for (const s of analysis.notes.settings) settings.add(s.toLowerCase());
    }
    return catalog.settingDefaults
      // an empty default gives no tenant: the fail-closed NULLIF(…, '') form reads it as unset (docs/postgres-rls.md#empty-context)
      .filter((d) => settings.has(d.name.toLowerCase()) && d.value !== '')
      .filter((d) => d.role === null || reachesTenantData(tenancy, d.role))
      .map((d): Problem => {
        const everyRole = d.role === null && d.database === null;
        const scope = everyRole ? 'every role' : d.role === null ? `database ${displayName(null, catalog.database)}` : `role ${displayName(null, d.role)}`;
        const statement = everyRole
          ? 'ALTER ROLE ALL … SET'
          : d.role === null
            ? 'ALTER DATABASE … SET'
            : d.database === null
              ? 'ALTER ROLE … SET'
              : 'ALTER ROLE … IN DATABASE … SET';
        return {
          object: d.role === null ? { kind: 'database', schema: null, name: catalog.database } : { kind: 'role', schema: null, name: d.role },
          key: d.name,
          message:
            `${scope} has a default ${d.name} = '${d.value}' (${statement}): every session ${d.role === null ? 'in it' : 'of it'} starts in that ` +
            `${tenantNoun(tenancy)} before the app chooses one, so a request that never sets ${d.name} reads and writes that ${tenantNoun(tenancy)}'s rows`,
          fix: { title: `Remove the default for ${d.name}`, sql: reset(d, catalog.database) },
        };
      });
  },
});
