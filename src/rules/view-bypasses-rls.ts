import type { Table, View } from '../catalog/types.js';
import { displayName } from '../sql/quote.js';
import { securityInvokerView } from '../sql/statements.js';
import { tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import { verdictOf, type PolicySemantics } from '../tenancy/effective.js';
import { roleNames } from '../tenancy/policy-severity.js';
import { rolesHolding } from '../tenancy/readers.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Problem } from './types.js';

/** How the view's owner gets around the table's policies, or null when they hold for it. */
function ownerBypass(policies: PolicySemantics, table: Table, owner: string): string | null {
  const access = policies.accessOf(table, owner, 'SELECT');
  const who = displayName(null, owner);
  switch (access.exemption) {
    case null:
      return access.read && verdictOf(access.read) === 'leaky' ? `the policies of ${tableLabel(table)} admit every row to ${who}` : null;
    case 'rls-disabled':
      return null; // rls-disabled reports the table itself
    case 'owner':
      return `${who} owns ${tableLabel(table)} and it is not FORCE ROW LEVEL SECURITY`;
    case 'member-of-owner':
      return `${who} is a member of the owner of ${tableLabel(table)}, which is not FORCE ROW LEVEL SECURITY`;
    default:
      return `${who} is ${access.exemption.toUpperCase()}`;
  }
}

function problemFor(tenancy: Tenancy, policies: PolicySemantics, serverVersion: number, view: View): Problem | null {
  const bypasses = view.dependsOn.flatMap((dep) => {
    const tenant = tenancy.tenantTableByKey.get(`${dep.schema}.${dep.name}`);
    const why = tenant && tenant.table.kind !== 'foreign-table' ? ownerBypass(policies, tenant.table, view.owner) : null;
    return why ? [why] : [];
  });
  if (bypasses.length === 0) return null;
  const readers = rolesHolding(tenancy, view.grants, view.owner, 'SELECT');
  const label = displayName(view.schema, view.name);
  return {
    object: { kind: 'view', schema: view.schema, name: view.name },
    severity: readers.length > 0 ? 'error' : 'warning',
    message:
      `view ${label} runs with its owner's rights (no security_invoker) and ${bypasses.join('; ')}: ` +
      (readers.length > 0
        ? `${roleNames(readers)} read every ${tenantNoun(tenancy)}'s rows through it`
        : `any role granted SELECT on it would read every ${tenantNoun(tenancy)}'s rows`),
    fix:
      serverVersion >= 150000
        ? { title: `Run ${label} with the caller's rights`, sql: securityInvokerView(view) }
        : null,
  };
}

export default defineRule({
  id: 'view-bypasses-rls',
  title: "View reads tenant tables with its owner's rights",
  defaultSeverity: 'error',
  description:
    "A view without security_invoker = true runs with its owner's rights; when the owner bypasses a tenant table's RLS, everyone who can select the view reads every tenant.",
  check({ catalog, tenancy, policies }) {
    return catalog.views
      .filter((v) => v.kind === 'view' && !v.securityInvoker)
      .flatMap((v) => problemFor(tenancy, policies, catalog.serverVersion, v) ?? []);
  },
});
