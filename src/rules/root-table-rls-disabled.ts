import type { Privilege, Table } from '../catalog/types.js';
import { displayName } from '../sql/quote.js';
import { enableAndForceRls, permissivePolicy, tenantPredicate } from '../sql/statements.js';
import { roleLabel, tenantNoun } from '../tenancy/describe-policy.js';
import type { PolicySemantics } from '../tenancy/effective.js';
import { isOwnerOrMemberOfOwner, PUBLIC, reachingRoles, tablePrivileges } from '../tenancy/roles.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Fix } from './types.js';

const WRITES: readonly Privilege[] = ['UPDATE', 'DELETE'];

/**
 * Enable and force RLS, and let the app's roles reach only the row of the
 * session's tenant: `id = <context>` is the root's form of the tenant predicate.
 */
function fixFor(tenancy: Tenancy, policies: PolicySemantics, root: Table, roles: readonly string[]): Fix | null {
  const key = tenancy.rootKey;
  const named = roles.filter((r) => r !== PUBLIC);
  if (key === null || named.length === 0 || !policies.usesContextSetting()) return null;
  const predicate = tenantPredicate(key.column, tenancy.contextSetting, key.type);
  const taken = new Set(root.policies.map((p) => p.name));
  let name = 'tenant_isolation';
  for (let i = 2; taken.has(name); i++) name = `tenant_isolation_${i}`;
  return {
    title: `Enable row level security on ${displayName(root.schema, root.name)} and limit it to the session's ${tenantNoun(tenancy)}`,
    sql: [
      enableAndForceRls(root),
      permissivePolicy(name, root, named, predicate),
      `-- creating a new ${tenantNoun(tenancy)} now needs ${tenancy.contextSetting} set to its new ${key.column} in the same transaction, or a SECURITY DEFINER sign-up function`,
    ].join('\n'),
  };
}

export default defineRule({
  id: 'root-table-rls-disabled',
  title: 'Tenant root table without row level security',
  defaultSeverity: 'error',
  description:
    "The tenant root table (organizations, teams) holds one row per tenant — its name, billing, settings — and without row level security a role the app uses reads or changes every tenant's row.",
  check({ tenancy, policies }) {
    const root = tenancy.root;
    if (root === null || root.kind === 'foreign-table' || root.rlsEnabled) return [];
    const privilegesOf = (role: string): Privilege[] => {
      if (role === PUBLIC) return root.grants.filter((g) => g.grantee === PUBLIC).flatMap((g) => g.privileges);
      // the owner (and whoever inherits it) holds every privilege, granted or not
      if (isOwnerOrMemberOfOwner(tenancy.roles, role, root)) return ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
      return tablePrivileges(tenancy.roles, role, root);
    };
    const reach = reachingRoles(tenancy, root).map((role) => ({ role, privileges: privilegesOf(role) }));
    const readers = reach.filter((r) => r.privileges.includes('SELECT') || r.privileges.some((p) => WRITES.includes(p)));
    if (readers.length === 0) return []; // creating tenants (INSERT only) reaches no other tenant's row
    const writers = readers.filter((r) => r.privileges.some((p) => WRITES.includes(p)));
    const noun = tenantNoun(tenancy);
    const who = readers
      .map(({ role, privileges }) => `${roleLabel(role)} (${privileges.filter((p) => p === 'SELECT' || WRITES.includes(p)).join(', ')})`)
      .join(', ');
    const name = displayName(root.schema, root.name);
    return [
      {
        object: { kind: 'table', schema: root.schema, name: root.name },
        ...(writers.length > 0 ? {} : { severity: 'warning' as const }),
        rootCause: true,
        message:
          `row level security is disabled on the tenant root table ${name}, whose rows are the ${noun}s themselves: ${who} ` +
          (writers.length > 0
            ? `can read and change every ${noun}'s row (names, billing, settings), not only the session's own`
            : `can read every ${noun}'s row (names, billing, settings), not only the session's own`),
        fix: fixFor(tenancy, policies, root, readers.map((r) => r.role)),
      },
    ];
  },
});
