/**
 * Which role the app probably connects as, when neither --app-role nor the
 * config says: the login roles that own or hold grants on tenant tables,
 * most tables first. Superusers and predefined pg_* roles are not app roles.
 */
import type { Catalog } from '../../catalog/types.js';
import type { Tenancy } from '../../tenancy/types.js';

export function appRoleCandidates(catalog: Catalog, tenancy: Tenancy): string[] {
  const reach = new Map<string, number>();
  for (const { table } of tenancy.tenantTables) {
    const roles = new Set([table.owner, ...table.grants.filter((g) => g.privileges.length > 0).map((g) => g.grantee)]);
    for (const name of roles) reach.set(name, (reach.get(name) ?? 0) + 1);
  }
  return catalog.roles
    .filter((r) => reach.has(r.name) && !r.superuser && !r.name.startsWith('pg_'))
    .sort((a, b) => Number(b.canLogin) - Number(a.canLogin) || reach.get(b.name)! - reach.get(a.name)! || (a.name < b.name ? -1 : 1))
    .map((r) => r.name);
}
