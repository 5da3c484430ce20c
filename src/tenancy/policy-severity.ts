/**
 * Reachability decides severity (a loose clause is an error only when a role
 * the app can be actually goes through it): which reaching roles a policy
 * applies to, for the commands it takes part in.
 */
import type { Policy, Table } from '../catalog/types.js';
import type { Severity } from '../config/types.js';
import { displayName } from '../sql/quote.js';
import type { Command, PolicySemantics } from './effective.js';
import { PUBLIC } from './roles.js';

/** Commands a policy takes part in. */
export function policyCommands(policy: Policy): Command[] {
  return policy.command === 'ALL' ? ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] : [policy.command];
}

/** Reaching roles holding one of the policy's commands that the policy applies to. */
export function rolesThroughPolicy(semantics: PolicySemantics, table: Table, policy: Policy): string[] {
  const commands = policyCommands(policy);
  const roles = new Set<string>();
  for (const a of semantics.accessesOf(table)) {
    if (a.exemption !== null || !commands.includes(a.command)) continue;
    const terms = [...(a.read?.permissive ?? []), ...(a.read?.restrictive ?? []), ...(a.check?.permissive ?? []), ...(a.check?.restrictive ?? [])];
    if (terms.some((t) => t.policy === policy)) roles.add(a.role);
  }
  return [...roles].sort();
}

/**
 * Reaching roles for which the policy is what makes their effective predicate loose; a hosting
 * platform's own service roles only when `platform` is set.
 */
export function rolesLeakingThroughPolicy(semantics: PolicySemantics, table: Table, policy: Policy, platform = false): string[] {
  const commands = policyCommands(policy);
  const roles = new Set<string>();
  for (const a of semantics.accessesOf(table)) {
    if (a.exemption !== null || !commands.includes(a.command)) continue;
    const culprits = [...(a.read?.culprits ?? []), ...(a.check?.culprits ?? [])];
    if (semantics.appFacing(a.role) !== platform && culprits.some((t) => t.policy === policy)) roles.add(a.role);
  }
  return [...roles].sort();
}

export interface LooseReach {
  severity: Severity;
  /** Reaching roles that really get every tenant's rows through the policy. */
  roles: string[];
  /** Reaching roles use the policy, but restrictive policies beside it keep them within their tenant. */
  bounded: boolean;
  /** The trigger that pins the tenant of the rows written through the policy, when that is what bounds it. */
  pinnedBy: string | null;
  /** A hosting platform's own service roles that get every tenant's rows through it (by design: not an error). */
  platform: string[];
}

/** The name of a trigger that pins the tenant of rows written through the policy (write-triggers.ts). */
function pinningTrigger(semantics: PolicySemantics, table: Table, policy: Policy): string | null {
  for (const a of semantics.accessesOf(table)) {
    const check = a.check;
    if (check?.pinnedBy && [...check.permissive, ...check.restrictive].some((t) => t.policy === policy)) return check.pinnedBy.trigger.name;
  }
  return null;
}

/**
 * error only when the loose policy really widens some reaching role's access
 * (permissive policies are OR-ed, but restrictive ones are AND-ed on top:
 * docs/postgres-rls.md#permissive-restrictive); a loose policy that is bounded or unreachable is a warning.
 */
export function looseClauseSeverity(semantics: PolicySemantics, table: Table, policy: Policy): LooseReach {
  if (!policy.permissive) return { severity: 'warning', roles: [], bounded: false, pinnedBy: null, platform: [] };
  const leaking = rolesLeakingThroughPolicy(semantics, table, policy);
  const platform = leaking.length === 0 ? rolesLeakingThroughPolicy(semantics, table, policy, true) : [];
  const bounded = leaking.length === 0 && platform.length === 0 && rolesThroughPolicy(semantics, table, policy).length > 0;
  const pinnedBy = bounded ? pinningTrigger(semantics, table, policy) : null;
  return { severity: leaking.length > 0 ? 'error' : 'warning', roles: leaking, bounded, pinnedBy, platform };
}

/** What a loose clause lets happen: `app_user can reach every organization's rows`. */
export function looseReachText(reach: LooseReach, noun: string): string {
  if (reach.roles.length > 0) return `${roleNames(reach.roles)} can reach every ${noun}'s rows`;
  if (reach.platform.length > 0) {
    return (
      `only ${roleNames(reach.platform)} can reach every ${noun}'s rows through it, a role the hosting platform's own servers use ` +
      `and the app's users do not go through; any app-facing role it is extended to would too`
    );
  }
  if (reach.pinnedBy !== null) {
    return `it admits every ${noun}'s rows; today the trigger "${reach.pinnedBy.replace(/"/g, '""')}" sets the ${noun} of every row written through it from a parent row the writer sees only within its own ${noun}`;
  }
  if (reach.bounded) {
    return `it admits every ${noun}'s rows; today only the restrictive policies beside it keep the roles using it within their ${noun}`;
  }
  return `any role it applies to can reach every ${noun}'s rows`;
}

/** `app_user, reporter` / `every role (PUBLIC)` */
export function roleNames(roles: readonly string[]): string {
  return roles.map((r) => (r === PUBLIC ? 'every role (PUBLIC)' : displayName(null, r))).join(', ');
}
