import { verdictOf, type EffectiveAccess } from '../tenancy/effective.js';
import {
  commandList,
  describeTerm,
  firstReason,
  groupAccesses,
  policyObjects,
  roleLabel,
  tableLabel,
  tenantNoun,
} from '../tenancy/describe-policy.js';
import { restrictiveTenantPolicyFix } from '../tenancy/tenant-predicate.js';
import { defineRule } from './define-rule.js';
import type { Problem, RuleContext } from './types.js';

// An owner-only check still lets a user write rows into any tenant (join any organization).
const REPORTED = new Set(['leaky', 'owner-scoped', 'unverified']);

function problemFor(ctx: RuleContext, group: EffectiveAccess[]): Problem {
  const { tenancy, policies } = ctx;
  const { table, role, check } = { ...group[0]!, check: group[0]!.check! };
  const commands = group.map((a) => a.command);
  const list = commandList(commands);
  const culprits = [...new Set(group.flatMap((a) => a.check!.culprits.map(describeTerm)))].join('; ');
  const reason = firstReason(check.verdict.reasons, tenancy.tenantColumn);
  const because = reason && reason !== 'true is always true' ? ` — ${reason}` : '';
  const where = commands.length === 1 && commands[0] === 'INSERT' ? 'into' : 'in';
  const object = { kind: 'table' as const, schema: table.schema, name: table.name };
  if (verdictOf(check) === 'unverified') {
    return {
      object,
      key: `${role}:${list}`,
      severity: 'warning',
      message: `could not verify that ${roleLabel(role)}'s ${list} on ${tableLabel(table)} writes only rows of its own ${tenantNoun(tenancy)}: ${culprits}${because}`,
    };
  }
  if (!policies.appFacing(role)) {
    return {
      object,
      key: `${role}:${list}`,
      severity: 'info',
      message:
        `${roleLabel(role)} can ${list} rows for any ${tenantNoun(tenancy)} ${where} ${tableLabel(table)}: ${culprits}${because}; ` +
        `${roleLabel(role)} is a role the hosting platform's own servers use, not the app's users, so this is by design — keep its credentials out of the app and its clients`,
    };
  }
  return {
    object,
    key: `${role}:${list}`,
    causes: policyObjects(table, group.flatMap((a) => a.check!.culprits)),
    impact: `${roleLabel(role)} can ${list} rows for any ${tenantNoun(tenancy)} ${where} ${tableLabel(table)}`,
    message: `${roleLabel(role)} can ${list} rows for any ${tenantNoun(tenancy)} ${where} ${tableLabel(table)}: ${culprits}${because}`,
    fix: restrictiveTenantPolicyFix(policies, tenancy, table, [role]),
  };
}

export default defineRule({
  id: 'write-check-not-tenant-scoped',
  title: 'Rows can be written into other tenants',
  defaultSeverity: 'error',
  description:
    'For a role that can INSERT or UPDATE, the effective check on new rows (WITH CHECK, else USING; permissive checks OR-ed) does not pin the tenant column, so the role writes rows into other tenants.',
  check(ctx) {
    const candidates = ctx.policies.effective.filter((a) => a.check !== null && REPORTED.has(verdictOf(a.check)));
    return groupAccesses(candidates, (a) => verdictOf(a.check!), (group) => problemFor(ctx, group));
  },
});
