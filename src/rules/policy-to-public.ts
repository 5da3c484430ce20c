import { quoteRole } from '../sql/quote.js';
import { alterPolicy } from '../sql/statements.js';
import { policyLabel, tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import { rolesThroughPolicy, roleNames } from '../tenancy/policy-severity.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

export default defineRule({
  id: 'policy-to-public',
  title: 'Permissive policy applies to PUBLIC',
  defaultSeverity: 'warning',
  description:
    'A permissive policy without a TO clause (or TO PUBLIC) applies to every current and future role, so any role later granted the table gets what the policy admits.',
  check({ tenancy, policies }) {
    const problems: Problem[] = [];
    for (const { table } of tenancy.tenantTables) {
      if (table.kind === 'foreign-table') continue;
      for (const policy of table.policies) {
        // a restrictive policy TO PUBLIC narrows every role: that is the safe direction
        if (!policy.permissive || !policy.roles.includes('public')) continue;
        if (policy.using === null && policy.withCheck === null) continue; // admits nothing (policy-null-predicate)
        const today = rolesThroughPolicy(policies, table, policy);
        const appRole = tenancy.appRole;
        // a policy that pins the tenant admits only the session's tenant to whoever it applies to: hygiene, not exposure
        const pinsTenant = (['using', 'withCheck'] as const).every((which) => {
          const scope = policies.clause(table, policy, which)?.verdict.scope;
          return scope === undefined || scope === 'tenant' || scope === 'deny';
        });
        problems.push({
          object: { kind: 'policy', schema: table.schema, name: policy.name, table: table.name },
          ...(pinsTenant ? { severity: 'info' as const } : {}),
          message:
            `${policyLabel(policy)} on ${tableLabel(table)} applies TO PUBLIC (a policy created without TO applies to PUBLIC): ` +
            `every current and future role granted the table gets what it admits` +
            (today.length > 0 ? `; today that is ${roleNames(today)}` : '') +
            (pinsTenant ? `; it pins ${tenancy.tenantColumn}, so each of them gets only its own ${tenantNoun(tenancy)}'s rows` : ''),
          fix: appRole
            ? {
                title: `Limit ${policyLabel(policy)} to ${appRole}`,
                sql: alterPolicy(policy.name, table, `TO ${quoteRole(appRole)}`),
              }
            : null,
        });
      }
    }
    return problems;
  },
});
