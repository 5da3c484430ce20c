/**
 * Who the verdicts are about for objects other than tenant tables (views,
 * materialized views, functions): the app role when configured, otherwise
 * every role that holds the privilege through a grant — not the owner, not
 * superusers, not predefined pg_* roles — and PUBLIC when granted to everyone.
 */
import { hasPrivilegesOf, PUBLIC } from './roles.js';
import type { Tenancy } from './types.js';

export interface PrivilegeGrant {
  grantee: string;
  privileges: readonly string[];
}

export function rolesHolding(tenancy: Tenancy, grants: readonly PrivilegeGrant[], owner: string, privilege: string): string[] {
  const graph = tenancy.roles;
  // the owner's own ACL entry is ownership, not a grant: owners and their members are judged by the owner rules
  const granted = grants.filter((g) => g.privileges.includes(privilege) && g.grantee !== owner);
  const holds = (role: string) => granted.some((g) => g.grantee === PUBLIC || hasPrivilegesOf(graph, role, g.grantee));
  if (tenancy.appRole !== null) return holds(tenancy.appRole) ? [tenancy.appRole] : [];
  const roles = [...graph.roles.values()]
    .filter((r) => !r.superuser && r.name !== owner && !r.name.startsWith('pg_'))
    .filter((r) => granted.some((g) => g.grantee !== PUBLIC && hasPrivilegesOf(graph, r.name, g.grantee)))
    .map((r) => r.name)
    .sort();
  return granted.some((g) => g.grantee === PUBLIC) ? [...roles, PUBLIC] : roles;
}

/** Function EXECUTE grantees as grants. */
export function executeGrants(grantees: readonly string[]): PrivilegeGrant[] {
  return grantees.map((grantee) => ({ grantee, privileges: ['EXECUTE'] }));
}

/** The grantees whose grants give `roles` the privilege: what a REVOKE has to name. */
export function granteesFor(tenancy: Tenancy, grants: readonly PrivilegeGrant[], owner: string, privilege: string, roles: readonly string[]): string[] {
  return grants
    .filter((g) => g.grantee !== owner && g.privileges.includes(privilege))
    .filter((g) => g.grantee === PUBLIC || roles.some((r) => r !== PUBLIC && hasPrivilegesOf(tenancy.roles, r, g.grantee)))
    .map((g) => g.grantee)
    .sort();
}
