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

/** error for a permissive policy some reaching role goes through; warning otherwise. */
export function looseClauseSeverity(semantics: PolicySemantics, table: Table, policy: Policy): { severity: Severity; roles: string[] } {
  const roles = policy.permissive ? rolesThroughPolicy(semantics, table, policy) : [];
  return { severity: roles.length > 0 ? 'error' : 'warning', roles };
}

/** `app_user, reporter` / `every role (PUBLIC)` */
export function roleNames(roles: readonly string[]): string {
  return roles.map((r) => (r === PUBLIC ? 'every role (PUBLIC)' : displayName(null, r))).join(', ');
}
