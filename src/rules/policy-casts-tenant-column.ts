import type { Table } from '../catalog/types.js';
import type { ClauseAnalysis } from '../policy/analyzer.js';
import { alterPolicy } from '../sql/statements.js';
import { describeClause, policyLabel, tableLabel } from '../tenancy/describe-policy.js';
import type { PolicyClause } from '../tenancy/clauses.js';
import { tenantPredicateSql } from '../tenancy/tenant-predicate.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

/** `<tenant column>::type = <context setting>` and nothing else: safe to rewrite whole. */
function simpleComparison(tenancy: Tenancy, analysis: ClauseAnalysis): boolean {
  const e = analysis.expr;
  if (e?.kind !== 'op' || e.op !== '=' || !e.left) return false;
  const isCastColumn = (x: typeof e.right) => x.kind === 'cast' && x.arg.kind === 'column' && x.arg.fields.at(-1) === tenancy.tenantColumn;
  const castSide = isCastColumn(e.left) ? e.left : isCastColumn(e.right) ? e.right : null;
  return castSide !== null && analysis.notes.casts.length === 1 && analysis.notes.settings.length === 1 && analysis.notes.settings[0] === tenancy.contextSetting;
}

function rewrite(tenancy: Tenancy, table: Table, clauses: { which: 'using' | 'withCheck'; analysis: ClauseAnalysis }[]) {
  const predicate = tenantPredicateSql(tenancy, table);
  if (!predicate || !clauses.every((c) => simpleComparison(tenancy, c.analysis))) return null;
  return clauses.map((c) => `${c.which === 'using' ? 'USING' : 'WITH CHECK'} (${predicate})`).join(' ');
}

export default defineRule({
  id: 'policy-casts-tenant-column',
  title: 'Policy casts the tenant column',
  defaultSeverity: 'info',
  description:
    "A policy compares a cast of the tenant column (organization_id::text = current_setting(…)), so the index on the column cannot be used and every query scans the table.",
  check({ tenancy, policies }) {
    const byPolicy = new Map<string, { table: Table; clauses: PolicyClause[] }>();
    for (const clause of policies.tenantClauses()) {
      if (clause.analysis.notes.casts.length === 0) continue;
      const key = `${clause.table.oid}|${clause.policy.name}`;
      const entry = byPolicy.get(key) ?? { table: clause.table, clauses: [] };
      entry.clauses.push(clause);
      byPolicy.set(key, entry);
    }
    const problems: Problem[] = [];
    for (const { table, clauses } of byPolicy.values()) {
      const policy = clauses[0]!.policy;
      const cast = clauses[0]!.analysis.notes.casts[0]!;
      const better = tenantPredicateSql(tenancy, table);
      const fixed = rewrite(tenancy, table, clauses);
      problems.push({
        object: { kind: 'policy', schema: table.schema, name: policy.name, table: table.name },
        message:
          `${policyLabel(policy)} on ${tableLabel(table)} casts ${cast.column} to ${cast.type} in ${clauses.map((c) => describeClause(policy, c.which)).join(' and ')}: ` +
          `an index on ${cast.column} cannot serve a cast column, so each query reads the whole table` +
          (better ? `; compare the column itself: ${better}` : ''),
        fix: fixed
          ? { title: `Compare ${cast.column} without a cast`, sql: alterPolicy(policy.name, table, fixed) }
          : null,
      });
    }
    return problems;
  },
});
