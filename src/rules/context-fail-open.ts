import { describeClause, policyLabel, tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import { looseClauseSeverity, looseReachText } from '../tenancy/policy-severity.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

export default defineRule({
  id: 'context-fail-open',
  title: 'Policy admits every row when the tenant context is unset',
  defaultSeverity: 'error',
  description:
    "A policy that is true when the tenant setting is unset or empty (NULLIF(current_setting(…, true), '') IS NULL OR …, organization_id = COALESCE(setting, organization_id)) opens every tenant to any query run outside the app's tenant transaction.",
  check({ tenancy, policies }) {
    const problems: Problem[] = [];
    // the tenant root's policies too: a switch there hands out every tenant's root row
    for (const { table, policy, which, analysis } of [...policies.tenantClauses(), ...policies.rootClauses()]) {
      if (analysis.verdict.scope !== 'open') continue;
      const reason = analysis.verdict.reasons.find((r) => r.kind === 'fail-open');
      if (reason?.kind !== 'fail-open') continue;
      const reach = looseClauseSeverity(policies, table, policy);
      const setting = reason.setting ?? 'the tenant setting';
      problems.push({
        object: { kind: 'policy', schema: table.schema, name: policy.name, table: table.name },
        key: which,
        severity: reach.severity,
        rootCause: true,
        message:
          `${policyLabel(policy)} on ${tableLabel(table)} fails open: ${describeClause(policy, which)} — ${reason.text} holds when ${setting} ` +
          `is unset (NULL) or empty ('' after a SET LOCAL transaction ends) — from any query that does not set it, ` +
          looseReachText(reach, tenantNoun(tenancy)),
      });
    }
    return problems;
  },
});
