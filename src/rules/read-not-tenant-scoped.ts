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

const REPORTED = new Set(['leaky', 'owner-scoped', 'unverified']);

function problemFor(ctx: RuleContext, group: EffectiveAccess[]): Problem {
  const { tenancy, policies } = ctx;
  const { table, role, read } = { ...group[0]!, read: group[0]!.read! };
  const noun = tenantNoun(tenancy);
  const commands = commandList(group.map((a) => a.command));
  const who = roleLabel(role);
  const culprits = [...new Set(group.flatMap((a) => a.read!.culprits.map(describeTerm)))].join('; ');
  const reason = firstReason(read.verdict.reasons, tenancy.tenantColumn);
  const because = reason && reason !== 'true is always true' ? ` — ${reason}` : '';
  // SELECT policies filter UPDATE/DELETE only when the statement reads columns (docs/postgres-rls.md#write-leaks)
  const unfiltered = group.some((a) => a.command === 'SELECT') ? '' : ' (a statement without WHERE or RETURNING is not filtered by SELECT policies)';
  const object = { kind: 'table' as const, schema: table.schema, name: table.name };
  const key = `${role}:${commands}`;
  if (!policies.appFacing(role) && verdictOf(read) !== 'unverified') {
    return {
      object,
      key,
      severity: 'info',
      message:
        `${who} can ${commands} rows of any ${noun} in ${tableLabel(table)}: ${culprits}${because}; ` +
        `${who} is a role the hosting platform's own servers use, not the app's users, so this is by design — keep its credentials out of the app and its clients`,
    };
  }
  switch (verdictOf(read)) {
    case 'owner-scoped':
      return {
        object,
        key,
        severity: 'info',
        message:
          `${who} can ${commands} rows of ${tableLabel(table)} by owner, not by ${noun}: ${culprits}${because}; ` +
          `a user's own rows stay reachable whichever ${noun} the session is in`,
      };
    case 'unverified':
      return {
        object,
        key,
        severity: 'warning',
        message: `could not verify that ${who}'s ${commands} on ${tableLabel(table)} stays within one ${noun}: ${culprits}${because}`,
      };
    default:
      return {
        object,
        key,
        causes: policyObjects(table, group.flatMap((a) => a.read!.culprits)),
        impact: `${who} can ${commands} rows of any ${noun} in ${tableLabel(table)}${unfiltered}`,
        message: `${who} can ${commands} rows of any ${noun} in ${tableLabel(table)}: ${culprits}${because}${unfiltered}`,
        fix: restrictiveTenantPolicyFix(policies, tenancy, table, [role]),
      };
  }
}

export default defineRule({
  id: 'read-not-tenant-scoped',
  title: "Other tenants' rows are reachable",
  defaultSeverity: 'error',
  description:
    "For a role that reaches the table, the effective USING of SELECT, UPDATE or DELETE (permissive policies OR-ed, restrictive AND-ed) does not pin the tenant column, so the role reaches other tenants' rows.",
  check(ctx) {
    const candidates = ctx.policies.effective.filter((a) => a.read !== null && REPORTED.has(verdictOf(a.read)));
    return groupAccesses(candidates, (a) => verdictOf(a.read!), (group) => problemFor(ctx, group));
  },
});
