import { displayName } from '../sql/quote.js';
import { revoke } from '../sql/statements.js';
import { tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import { roleNames } from '../tenancy/policy-severity.js';
import { granteesFor, rolesHolding } from '../tenancy/readers.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

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
        fix:
          readers.length > 0
            ? {
                title: `Revoke SELECT on ${label}`,
                sql: revoke('SELECT', view, granteesFor(tenancy, view.grants, view.owner, 'SELECT', readers)),
              }
            : null,
      });
    }
    return problems;
  },
});
