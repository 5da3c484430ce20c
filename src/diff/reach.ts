/**
 * Reach levels and how they combine. The order is the one Postgres' policy
 * combination gives verdicts (policy/verdict.ts): none ⊂ own tenant ⊂ … ⊂
 * every tenant; `user` (rows pinned to the current user) sits beside `own`
 * and `unknown` between them and `any`, as the analysis cannot place it.
 */
import type { Scope } from '../policy/verdict.js';
import { displayName } from '../sql/quote.js';
import type { Exemption } from '../tenancy/effective.js';
import type { Reach } from './matrix.js';

const RANK: Record<Reach, number> = { none: 0, own: 1, user: 2, unknown: 3, any: 4 };

const REACH_OF_SCOPE: Record<Scope, Reach> = { deny: 'none', tenant: 'own', owner: 'user', unknown: 'unknown', open: 'any' };

export function reachOf(scope: Scope): Reach {
  return REACH_OF_SCOPE[scope];
}

/** The loosest of several reaches (a view over several tables reaches what its loosest table gives); none for none. */
export function loosest(reaches: readonly Reach[]): Reach {
  return reaches.reduce<Reach>((a, b) => (RANK[b] > RANK[a] ? b : a), 'none');
}

/** Admits rows of another tenant, or may: what a reviewer has to look at. */
export function crossesTenants(reach: Reach | null): boolean {
  return reach === 'any' || reach === 'unknown';
}

/** Why no policy applies to the role, in Postgres terms (docs/postgres-rls.md#rls-enable, #owner-bypass, #bypassrls). */
export function exemptionText(exemption: Exemption, role: string, owner: string): string {
  const who = displayName(null, role);
  switch (exemption) {
    case 'rls-disabled':
      return 'row level security is not enabled on the table';
    case 'owner':
      return `${who} owns the table and it is not FORCE ROW LEVEL SECURITY`;
    case 'member-of-owner':
      return `${who} inherits the privileges of the owner ${displayName(null, owner)} and the table is not FORCE ROW LEVEL SECURITY`;
    case 'superuser':
      return `${who} is a superuser`;
    case 'bypassrls':
      return `${who} has BYPASSRLS`;
  }
}
