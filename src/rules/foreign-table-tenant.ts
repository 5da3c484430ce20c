import { revoke } from '../sql/statements.js';
import { tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import { roleNames } from '../tenancy/policy-severity.js';
import { granteesFor, rolesHolding } from '../tenancy/readers.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

export default defineRule({
  id: 'foreign-table-tenant',
  title: 'Foreign table holds tenant rows',
  defaultSeverity: 'warning',
  description:
    'A foreign table cannot have row level security: every role granted it reads every tenant\'s rows, whatever the remote side does.',
  check({ tenancy }) {
    const problems: Problem[] = [];
    for (const { table } of tenancy.tenantTables) {
      if (table.kind !== 'foreign-table') continue;
      const readers = rolesHolding(tenancy, table.grants, table.owner, 'SELECT');
      const grantees = granteesFor(tenancy, table.grants, table.owner, 'SELECT', readers);
      problems.push({
        object: { kind: 'table', schema: table.schema, name: table.name },
        message:
          `foreign table ${tableLabel(table)} holds ${tenancy.tenantColumn} but a foreign table cannot have row level security: ` +
          (readers.length > 0
            ? `${roleNames(readers)} read every ${tenantNoun(tenancy)}'s rows from it`
            : `any role granted SELECT on it would read every ${tenantNoun(tenancy)}'s rows`) +
          '; expose it only through a view that filters by the tenant, or keep it away from the app role',
        fix:
          grantees.length > 0
            ? { title: `Revoke access to ${tableLabel(table)}`, sql: revoke('ALL', table, grantees) }
            : null,
      });
    }
    return problems;
  },
});
