import type { Reason } from '../policy/verdict.js';
import { describeClause, describeReason, policyLabel, tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import { looseClauseSeverity, looseReachText, roleNames } from '../tenancy/policy-severity.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

const TAUTOLOGY = new Set<Reason['kind']>(['always-true', 'self-comparison']);

export default defineRule({
  id: 'policy-always-true',
  title: 'Policy expression is always true',
  defaultSeverity: 'error',
  description:
    'A USING or WITH CHECK that holds for every row (true, 1 = 1, a column compared with itself, IS NOT NULL on a NOT NULL column, a subquery column bound to its own table) admits every tenant.',
  check({ tenancy, policies }) {
    const problems: Problem[] = [];
    for (const { table, policy, which, analysis } of policies.tenantClauses()) {
      const reason = analysis.verdict.reasons.find((r) => TAUTOLOGY.has(r.kind));
      // a self-comparison in a subquery makes the subquery true for any member, even when not the whole clause
      if (!analysis.verdict.alwaysTrue && reason?.kind !== 'self-comparison') continue;
      if (analysis.verdict.scope !== 'open' || !reason) continue;
      const reach = looseClauseSeverity(policies, table, policy);
      const head = `${policyLabel(policy)} on ${tableLabel(table)}: ${describeClause(policy, which)}`;
      const why = describeReason(reason, tenancy.tenantColumn);
      problems.push({
        object: { kind: 'policy', schema: table.schema, name: policy.name, table: table.name },
        key: which,
        severity: policy.permissive ? reach.severity : 'info',
        rootCause: true,
        message: policy.permissive
          ? `${head} — ${why}, so ` +
            (reach.roles.length > 0
              ? `it admits every ${tenantNoun(tenancy)}'s rows to ${roleNames(reach.roles)}`
              : looseReachText(reach, tenantNoun(tenancy)))
          : `${head} — ${why}; as a restrictive policy it restricts nothing`,
      });
    }
    return problems;
  },
});
