import { revokeTruncate } from '../sql/statements.js';
import { tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import { roleNames } from '../tenancy/policy-severity.js';
import { granteesFor, rolesHolding } from '../tenancy/readers.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

export default defineRule({
  id: 'truncate-granted',
  title: 'TRUNCATE granted on a tenant table',
  defaultSeverity: 'error',
  description: "TRUNCATE is not subject to row level security: a role granted it empties the table for every tenant.",
  check({ tenancy }) {
    const problems: Problem[] = [];
    for (const { table } of tenancy.tenantTables) {
      if (table.kind === 'foreign-table') continue;
      const roles = rolesHolding(tenancy, table.grants, table.owner, 'TRUNCATE');
      if (roles.length === 0) continue;
      const grantees = granteesFor(tenancy, table.grants, table.owner, 'TRUNCATE', roles);
      problems.push({
        object: { kind: 'table', schema: table.schema, name: table.name },
        message: `${roleNames(roles)} can TRUNCATE ${tableLabel(table)}: TRUNCATE is not subject to row level security and removes every ${tenantNoun(tenancy)}'s rows`,
        fix: { title: `Revoke TRUNCATE on ${tableLabel(table)}`, sql: revokeTruncate(table, grantees) },
      });
    }
    return problems;
  },
});
