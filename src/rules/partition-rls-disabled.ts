import { enableAndForceRls } from '../sql/statements.js';
import { tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import { tenantParentOf } from '../tenancy/describe.js';
import { roleNames } from '../tenancy/policy-severity.js';
import { PUBLIC, reachingRoles, tablePrivileges } from '../tenancy/roles.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

export default defineRule({
  id: 'partition-rls-disabled',
  title: 'Partition of a tenant table without row level security',
  defaultSeverity: 'error',
  description:
    "Policies apply to the table a query names: a partition with RLS off is read directly, with no policy, by every role granted it — and partitions attached later arrive with RLS off.",
  check({ tenancy }) {
    const problems: Problem[] = [];
    for (const { table } of tenancy.tenantTables) {
      const parent = tenantParentOf(tenancy, table);
      if (parent === null || table.rlsEnabled || table.kind === 'foreign-table') continue;
      const direct = reachingRoles(tenancy, table).filter((role) =>
        role === PUBLIC ? table.grants.some((g) => g.grantee === PUBLIC && g.privileges.length > 0) : tablePrivileges(tenancy.roles, role, table).length > 0,
      );
      if (direct.length === 0) continue;
      problems.push({
        object: { kind: 'table', schema: table.schema, name: table.name },
        message:
          `partition ${tableLabel(table)} of ${tableLabel(parent.table)} has row level security disabled and ${roleNames(direct)} can query it directly: ` +
          `the policies of ${tableLabel(parent.table)} guard only queries that name ${tableLabel(parent.table)}, so naming the partition reads every ${tenantNoun(tenancy)}'s rows in it`,
        fix: {
          title: `Enable and force row level security on ${tableLabel(table)}`,
          // with no policy of its own the partition is deny-all when named directly; queries through the parent are unaffected
          sql: enableAndForceRls(table),
        },
      });
    }
    return problems;
  },
});
