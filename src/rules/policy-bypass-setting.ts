import { describeClause, describeReason, policyLabel, tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import { looseClauseSeverity, looseReachText } from '../tenancy/policy-severity.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

export default defineRule({
  id: 'policy-bypass-setting',
  title: 'Policy can be bypassed by a custom setting',
  defaultSeverity: 'error',
  description:
    "A policy ORs in a condition on a custom setting (current_setting('app.is_superadmin', true) = 'true'); any role can SET a custom setting and so read or write every tenant.",
  check({ tenancy, policies }) {
    const problems: Problem[] = [];
    // the tenant root's policies too: a switch there hands out every tenant's root row
    for (const { table, policy, which, analysis } of [...policies.tenantClauses(), ...policies.rootClauses()]) {
      if (analysis.verdict.scope !== 'open') continue;
      const reason = analysis.verdict.reasons.find((r) => r.kind === 'bypass-setting');
      if (reason?.kind !== 'bypass-setting') continue;
      const reach = looseClauseSeverity(policies, table, policy);
      problems.push({
        object: { kind: 'policy', schema: table.schema, name: policy.name, table: table.name },
        key: which,
        severity: reach.severity,
        rootCause: true,
        message:
          `${policyLabel(policy)} on ${tableLabel(table)}: ${describeClause(policy, which)} — ${describeReason(reason, tenancy.tenantColumn)} ` +
          `(SET ${reason.setting} = …, or set_config()), so ${looseReachText(reach, tenantNoun(tenancy))}`,
      });
    }
    return problems;
  },
});
