import type { Catalog, View } from '../catalog/types.js';
import { displayName } from '../sql/quote.js';
import { materializedViewAsInvokerView, revoke } from '../sql/statements.js';
import { tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import { roleNames } from '../tenancy/policy-severity.js';
import { granteesFor, rolesHolding } from '../tenancy/readers.js';
import { hasTablePrivilege, PUBLIC } from '../tenancy/roles.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Fix, Problem } from './types.js';

/**
 * Revoking SELECT stops today's readers, but the materialized view still
 * holds every tenant's rows for the next grant. A view with security_invoker
 * runs the same query with the reader's policies, so nothing is left that
 * holds rows of other tenants. It is offered when Postgres has
 * security_invoker (15+), no other view is built on the materialized view
 * (DROP would refuse), its query reads tables only, and every role that reads
 * it today holds SELECT on those tables (so it keeps reading its own rows).
 */
function fixFor(catalog: Catalog, tenancy: Tenancy, view: View, readers: readonly string[]): Fix {
  const label = displayName(view.schema, view.name);
  const sources = view.dependsOn.map((d) => catalog.tables.find((t) => t.schema === d.schema && t.name === d.name));
  const dependedOn = catalog.views.some((v) => v !== view && v.dependsOn.some((d) => d.schema === view.schema && d.name === view.name));
  const keepReading = readers.every((r) => r !== PUBLIC && sources.every((t) => t !== undefined && hasTablePrivilege(tenancy.roles, r, t, 'SELECT')));
  if (catalog.serverVersion >= 150000 && !dependedOn && keepReading) {
    return { title: `Replace ${label} with a view that runs with the reader's rights`, sql: materializedViewAsInvokerView(view) };
  }
  return { title: `Revoke SELECT on ${label}`, sql: revoke('SELECT', view, granteesFor(tenancy, view.grants, view.owner, 'SELECT', readers)) };
}

export default defineRule({
  id: 'materialized-view-exposes-tenant',
  title: 'Materialized view holds tenant rows',
  defaultSeverity: 'error',
  description:
    'A materialized view stores the rows of tenant tables as they were when refreshed, and a materialized view cannot have row level security: whoever can select it reads every tenant.',
  check({ catalog, tenancy }) {
    const problems: Problem[] = [];
    for (const view of catalog.views) {
      if (view.kind !== 'materialized-view') continue;
      const sources = view.dependsOn.flatMap((d) => tenancy.tenantTableByKey.get(`${d.schema}.${d.name}`)?.table ?? []);
      if (sources.length === 0) continue;
      const readers = rolesHolding(tenancy, view.grants, view.owner, 'SELECT');
      const label = displayName(view.schema, view.name);
      const from = sources.map(tableLabel).join(', ');
      problems.push({
        object: { kind: 'materialized-view', schema: view.schema, name: view.name },
        severity: readers.length > 0 ? 'error' : 'warning',
        message:
          `materialized view ${label} stores rows of ${from}, and a materialized view cannot have row level security: ` +
          (readers.length > 0
            ? `${roleNames(readers)} read every ${tenantNoun(tenancy)}'s rows from it`
            : `today only its owner reads it, but any role granted SELECT on it would read every ${tenantNoun(tenancy)}'s rows`),
        fix: readers.length > 0 ? fixFor(catalog, tenancy, view, readers) : null,
      });
    }
    return problems;
  },
});
