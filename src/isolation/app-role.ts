/**
 * The role the checks run as: the configured app role, or — when none is
 * configured — the one role besides the owners that tenant tables are granted
 * to. Guessing between several would test the wrong boundary, so that asks
 * for --app-role instead.
 */
import { TenantguardError } from '../errors.js';
import { bypassesRls, PUBLIC, reachingRoles } from '../tenancy/roles.js';
import type { Tenancy } from '../tenancy/types.js';

export interface AppRoleChoice {
  role: string;
  /** How it was chosen, for the output. */
  how: 'configured' | 'only-candidate';
}

export function chooseAppRole(tenancy: Tenancy): AppRoleChoice {
  if (tenancy.appRole !== null) return { role: tenancy.appRole, how: 'configured' };
  const candidates = new Set<string>();
  for (const { table } of tenancy.tenantTables) {
    for (const role of reachingRoles(tenancy, table)) {
      if (role !== PUBLIC && !bypassesRls(tenancy.roles, role)) candidates.add(role);
    }
  }
  const sorted = [...candidates].sort();
  if (sorted.length === 1) return { role: sorted[0]!, how: 'only-candidate' };
  throw new TenantguardError(
    sorted.length === 0
      ? 'no role other than the table owners has privileges on the tenant tables, so there is no app role to test as'
      : `several roles have privileges on the tenant tables (${sorted.join(', ')}); which one does the application use?`,
    'pass --app-role <role> or set "appRole" in tenantguard.config.json',
  );
}
