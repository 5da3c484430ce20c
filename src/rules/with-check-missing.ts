import type { Policy, Table } from '../catalog/types.js';
import { alterPolicy } from '../sql/statements.js';
import { clauseText, firstReason, policyLabel, roleLabel, tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import { tenantPredicateSql } from '../tenancy/tenant-predicate.js';
import type { Verdict } from '../policy/verdict.js';
import { defineRule } from './define-rule.js';
import type { Problem, RuleContext } from './types.js';

function alterCheck(table: Table, policy: Policy, expression: string) {
  return {
    title: `Write the WITH CHECK of ${policyLabel(policy)} explicitly`,
    sql: alterPolicy(policy.name, table, `WITH CHECK (${expression})`),
  };
}

/** The USING that stands in as the check, as each role that writes through it sees it (docs/postgres-rls.md#with-check-fallback). */
function fallbackVerdicts(ctx: RuleContext, table: Table, policy: Policy): { role: string; verdict: Verdict }[] {
  return ctx.policies.accessesOf(table).flatMap((a) => {
    // a trigger that pins the tenant of new rows keeps even a loose USING from writing into another tenant
    if (a.check === null || a.check.pinnedBy !== null) return [];
    const term = [...a.check.permissive, ...a.check.restrictive].find((t) => t.policy === policy && t.fallback);
    return term ? [{ role: a.role, verdict: term.verdict }] : [];
  });
}

function problemFor(ctx: RuleContext, table: Table, policy: Policy): Problem {
  const { tenancy } = ctx;
  const object = { kind: 'policy' as const, schema: table.schema, name: policy.name, table: table.name };
  const head = `${policyLabel(policy)} on ${tableLabel(table)} is FOR ${policy.command} without WITH CHECK`;
  if (policy.command === 'INSERT') {
    return {
      object,
      severity: 'info',
      message: `${head}: an INSERT policy without WITH CHECK admits no new row, so it allows no INSERT (deny, not a leak)`,
    };
  }
  const using = clauseText(policy.using!);
  // Only a permissive policy widens what can be written; a restrictive one can only narrow it.
  // a hosting platform's own service roles write across tenants by design
  const loose = policy.permissive
    ? fallbackVerdicts(ctx, table, policy).filter((v) => (v.verdict.scope === 'open' || v.verdict.scope === 'owner') && ctx.policies.appFacing(v.role))
    : [];
  if (loose.length > 0) {
    const reason = firstReason(loose[0]!.verdict.reasons, tenancy.tenantColumn);
    // one verdict per role and command: name each role once
    const writers = [...new Set(loose.map((v) => roleLabel(v.role)))].join(', ');
    const predicate = ctx.policies.usesContextSetting() ? tenantPredicateSql(tenancy, table) : null;
    return {
      object,
      severity: 'error',
      // the loose USING is the hole; when a rule reports it on this policy, that finding explains this one
      causes: [object],
      rootCause: true,
      impact:
        `${writers} can write rows into any ${tenantNoun(tenancy)}: ` +
        `FOR ${policy.command} without WITH CHECK, so USING is the check on new rows`,
      message:
        `${head}, so Postgres checks new rows against its USING (${using}), which does not pin ${tenancy.tenantColumn}` +
        `${reason ? ` (${reason})` : ''}: ${writers} can write rows into any ${tenantNoun(tenancy)}`,
      fix: predicate ? alterCheck(table, policy, predicate) : null,
    };
  }
  return {
    object,
    message:
      `${head}: Postgres checks new rows against its USING (${using}) instead; ` +
      'write the check explicitly so the write rule is visible and does not change silently when USING is edited',
    fix: alterCheck(table, policy, policy.using!.trim()),
  };
}

export default defineRule({
  id: 'with-check-missing',
  title: 'Policy admits writes without an explicit WITH CHECK',
  defaultSeverity: 'warning',
  description:
    'A FOR ALL/UPDATE policy without WITH CHECK checks new rows against its USING (a hole when USING does not pin the tenant column); an INSERT policy without WITH CHECK denies every insert.',
  check(ctx) {
    return ctx.tenancy.tenantTables.flatMap(({ table }) =>
      table.kind === 'foreign-table'
        ? []
        : table.policies
            .filter((p) => p.withCheck === null && (p.command === 'INSERT' || ((p.command === 'ALL' || p.command === 'UPDATE') && p.using !== null)))
            .map((p) => problemFor(ctx, table, p)),
    );
  },
});
