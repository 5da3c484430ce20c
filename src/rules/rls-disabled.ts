import type { Table } from '../catalog/types.js';
import { displayName } from '../sql/quote.js';
import { enableRls, forceRls } from '../sql/statements.js';
import { describeAccess, describeNoAccess, tenantParentOf } from '../tenancy/describe.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Fix, Problem } from './types.js';

function enableAndForce(table: Table): Fix {
  const lines = [enableRls(table), forceRls(table)];
  if (table.policies.length === 0) {
    lines.unshift('-- no policy exists yet: once enabled, every command is denied to the roles RLS applies to until a tenant policy is created');
  }
  return { title: `Enable and force row level security on ${displayName(table.schema, table.name)}`, sql: lines.join('\n') };
}

function problemFor(tenancy: Tenancy, table: Table): Problem {
  const name = displayName(table.schema, table.name);
  const access = describeAccess(tenancy, table);
  const parent = tenantParentOf(tenancy, table);
  const object = { kind: 'table' as const, schema: table.schema, name: table.name };
  if (parent) {
    // Policies are checked for the table a query names: the parent's do not guard the partition.
    const parentName = displayName(parent.table.schema, parent.table.name);
    return {
      object,
      rootCause: true,
      severity: access ? 'error' : 'warning',
      message:
        `row level security is disabled on partition ${name} of ${parentName}: the policies of ${parentName} apply only to ` +
        `queries that name ${parentName}, and no policy filters a query that names ${name} — ` +
        (access
          ? `every tenant's rows in it are open to ${access}`
          : `${describeNoAccess(tenancy, table)}, but any role granted access to it reads every tenant's rows in it`),
      fix: enableAndForce(table),
    };
  }
  return {
    object,
    rootCause: true,
    // no role the app can be reaches it: a latent hole, opened by the next GRANT
    ...(access ? {} : { severity: 'warning' as const }),
    message:
      `row level security is disabled on ${name}: no policy filters its rows, ` +
      (access
        ? `so every tenant's rows are open to ${access}`
        : `so any role granted access gets every tenant's rows (${describeNoAccess(tenancy, table)})`),
    fix: enableAndForce(table),
  };
}

export default defineRule({
  id: 'rls-disabled',
  title: 'Tenant table without row level security',
  defaultSeverity: 'error',
  description: 'Row level security is off on a tenant table (or a partition of one), so nothing in the database keeps tenants apart.',
  check({ tenancy }) {
    // Foreign tables cannot have RLS at all (foreign-table-tenant covers them).
    return tenancy.tenantTables
      .filter(({ table }) => table.kind !== 'foreign-table' && !table.rlsEnabled)
      .map(({ table }) => problemFor(tenancy, table));
  },
});
