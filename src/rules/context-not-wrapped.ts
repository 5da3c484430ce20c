import { policyLabel, tableLabel } from '../tenancy/describe-policy.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

export default defineRule({
  id: 'context-not-wrapped',
  title: 'Tenant context evaluated per row',
  defaultSeverity: 'info',
  description:
    'A context call (current_setting(), auth.uid(), a helper returning the tenant) outside a scalar subquery is evaluated for every row; (SELECT …) makes it an InitPlan evaluated once per statement.',
  check({ policies }) {
    const byPolicy = new Map<string, { label: string; schema: string; table: string; name: string; calls: Set<string> }>();
    for (const { table, policy, analysis } of policies.tenantClauses()) {
      if (analysis.notes.unwrapped.length === 0) continue;
      const key = `${table.oid}|${policy.name}`;
      const entry = byPolicy.get(key) ?? { label: `${policyLabel(policy)} on ${tableLabel(table)}`, schema: table.schema, table: table.name, name: policy.name, calls: new Set() };
      for (const call of analysis.notes.unwrapped) entry.calls.add(call);
      byPolicy.set(key, entry);
    }
    return [...byPolicy.values()].map(
      (p): Problem => ({
        object: { kind: 'policy', schema: p.schema, name: p.name, table: p.table },
        message:
          `${p.label} evaluates ${[...p.calls].join(', ')} once per row: wrap ${p.calls.size === 1 ? 'it' : 'each'} in a scalar subquery, ` +
          `e.g. (SELECT ${[...p.calls][0]}), so Postgres evaluates it once per statement (an InitPlan)`,
      }),
    );
  },
});
