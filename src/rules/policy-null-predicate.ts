import { policyLabel, tableLabel } from '../tenancy/describe-policy.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

export default defineRule({
  id: 'policy-null-predicate',
  title: 'Policy without USING or WITH CHECK',
  defaultSeverity: 'info',
  description:
    'A policy with neither USING nor WITH CHECK (as drizzle-kit push creates from an empty pgPolicy) admits no row when permissive and restricts nothing when restrictive: not unrestricted, but not what was meant.',
  check({ tenancy }) {
    const problems: Problem[] = [];
    for (const { table } of tenancy.tenantTables) {
      if (table.kind === 'foreign-table') continue;
      for (const policy of table.policies) {
        if (policy.using !== null || policy.withCheck !== null) continue;
        const commands = policy.command === 'ALL' ? 'any command' : policy.command;
        problems.push({
          object: { kind: 'policy', schema: table.schema, name: policy.name, table: table.name },
          message: policy.permissive
            ? `${policyLabel(policy)} on ${tableLabel(table)} has neither USING nor WITH CHECK: it admits no row for ${commands} ` +
              '(a deny, not an unrestricted policy); other permissive policies alone decide what is admitted'
            : `restrictive ${policyLabel(policy)} on ${tableLabel(table)} has neither USING nor WITH CHECK: it restricts nothing`,
        });
      }
    }
    return problems;
  },
});
