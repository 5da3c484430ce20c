/**
 * What a predicate does to the rows of one table, on a scale from tightest to
 * loosest. AND of two predicates is at least as tight as the tighter one; OR
 * is as loose as the looser one — exactly how Postgres combines restrictive
 * (AND) and permissive (OR) policies (docs/postgres-rls.md#permissive-restrictive).
 */

export type Scope =
  /** Admits no row (false, NULL, a policy with no expression). */
  | 'deny'
  /** Every admitted row has the tenant column pinned to the session's tenant(s). */
  | 'tenant'
  /** Rows are pinned to the current user (user_id = auth.uid()), not to a tenant. */
  | 'owner'
  /** Could not be decided (a helper whose body cannot be read). */
  | 'unknown'
  /** Admits rows of other tenants. */
  | 'open';

const RANK: Record<Scope, number> = { deny: 0, tenant: 1, owner: 2, unknown: 3, open: 4 };

export function looser(a: Scope, b: Scope): Scope {
  return RANK[a] >= RANK[b] ? a : b;
}

export function tighter(a: Scope, b: Scope): Scope {
  return RANK[a] <= RANK[b] ? a : b;
}

export type Reason =
  /** Always true: `true`, `1 = 1`, `organization_id = organization_id`, `x IS NOT NULL` on a NOT NULL column. */
  | { kind: 'always-true'; text: string }
  /** A comparison of a column of a subquery's table with itself (an unqualified name that bound to the inner table). */
  | { kind: 'self-comparison'; text: string; table: string; column: string }
  /** A custom setting any role can SET decides alone (docs/postgres-rls.md#custom-settings). */
  | { kind: 'bypass-setting'; text: string; setting: string }
  /** True when the tenant context is unset or empty (docs/postgres-rls.md#custom-settings). */
  | { kind: 'fail-open'; text: string; setting: string | null }
  /**
   * A condition on the session only (role, claim, admin membership): admits every row when it holds.
   * `signedIn`: it only says a user is signed in or which API role the request runs as
   * (`auth.uid() IS NOT NULL`, `auth.role() = 'authenticated'`), so every user of every tenant passes it.
   */
  | { kind: 'gate'; text: string; signedIn?: true }
  /** A condition on the row that does not involve the tenant column. */
  | { kind: 'unconstrained'; text: string }
  /** A subquery correlated with the tenant column whose rows are not limited to the current user or tenant. */
  | { kind: 'unscoped-subquery'; text: string; table: string | null }
  /**
   * Pins a column other than the tenant column to the current user. `user`: compared with the
   * signed-in user's own id or email (`auth.uid()`), not with a membership or a tenant claim.
   */
  | { kind: 'owner'; text: string; column: string; user?: true }
  /** A helper whose body could not be analysed. */
  | { kind: 'unverified'; text: string; detail: string };

export interface Verdict {
  scope: Scope;
  /** True for every row whatever the session (a tautology). */
  alwaysTrue: boolean;
  /** Why the scope is not tighter; empty for deny and tenant. */
  reasons: Reason[];
}

export const DENY: Verdict = { scope: 'deny', alwaysTrue: false, reasons: [] };
export const TENANT: Verdict = { scope: 'tenant', alwaysTrue: false, reasons: [] };

export function open(reason: Reason, alwaysTrue = false): Verdict {
  return { scope: 'open', alwaysTrue, reasons: [reason] };
}

export function owner(reason: Reason): Verdict {
  return { scope: 'owner', alwaysTrue: false, reasons: [reason] };
}

export function unknown(reason: Reason): Verdict {
  return { scope: 'unknown', alwaysTrue: false, reasons: [reason] };
}

function uniqueReasons(list: Reason[]): Reason[] {
  const seen = new Set<string>();
  return list.filter((r) => {
    const key = JSON.stringify(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Conjunction: as tight as the tightest part. */
export function allOf(parts: Verdict[]): Verdict {
  if (parts.length === 0) return { scope: 'open', alwaysTrue: true, reasons: [{ kind: 'always-true', text: 'true' }] };
  const scope = parts.map((p) => p.scope).reduce(tighter);
  const alwaysTrue = parts.every((p) => p.alwaysTrue);
  const reasons = scope === 'deny' || scope === 'tenant' ? [] : parts.filter((p) => p.scope === scope).flatMap((p) => p.reasons);
  return { scope, alwaysTrue, reasons: uniqueReasons(reasons) };
}

/** Disjunction: as loose as the loosest part; a tautology anywhere makes it one. */
export function anyOf(parts: Verdict[]): Verdict {
  if (parts.length === 0) return DENY;
  const scope = parts.map((p) => p.scope).reduce(looser);
  const alwaysTrue = parts.some((p) => p.alwaysTrue);
  const widest = parts.filter((p) => p.scope === scope && (!alwaysTrue || p.alwaysTrue));
  const reasons = scope === 'deny' || scope === 'tenant' ? [] : widest.flatMap((p) => p.reasons);
  return { scope, alwaysTrue, reasons: uniqueReasons(reasons) };
}

/**
 * The three answers the analysis gives about a predicate, a helper or a
 * function body: every row it reaches is the session's (its tenant's or its
 * user's), some row of another tenant is reached and the analysis can say
 * which condition lets it in, or it cannot tell (a body or expression it does
 * not understand). Rules report `not-scoped` as a hole and `unknown` as a
 * warning saying what could not be proven — never as an error.
 */
export type Decision = 'scoped' | 'not-scoped' | 'unknown';

export function decisionOf(scope: Scope): Decision {
  if (scope === 'unknown') return 'unknown';
  return scope === 'open' ? 'not-scoped' : 'scoped';
}

const DECISION_RANK: Record<Decision, number> = { scoped: 0, unknown: 1, 'not-scoped': 2 };

/** The weaker of two decisions about the same rows: one proven hole makes it not scoped. */
export function worseDecision(a: Decision, b: Decision): Decision {
  return DECISION_RANK[a] >= DECISION_RANK[b] ? a : b;
}
