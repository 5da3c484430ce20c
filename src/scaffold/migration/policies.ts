/**
 * Policy planning: which existing policies are recreated in the safe form, and
 * which names the tenant policies get.
 */
import type { Policy, Table } from '../../catalog/types.js';
import { hasPrivilegesOf, type RoleGraph } from '../../tenancy/roles.js';
import type { Finding } from '../../check/types.js';
import type { SqlParser } from '../../sql/parser.js';
import { isTenantContextComparison } from './tenant-predicate.js';
import { wrapContextCalls } from './wrap-context.js';
import type { MigrationStep, PolicyExpression, TenantPredicate } from './types.js';
import { POLICY_REPLACING_RULES } from './types.js';

type ReplacePolicyStep = Extract<MigrationStep, { kind: 'replace-policy' }>;

/** A policy applies to the roles it names, to PUBLIC's every role, and to their members with INHERIT (docs/postgres-rls.md#to-public). */
export function policyApplies(policy: Policy, role: string, graph: RoleGraph): boolean {
  return policy.roles.some((r) => r.toLowerCase() === 'public' || hasPrivilegesOf(graph, role, r));
}

/**
 * Recreates, by name, each policy of `table` that a policy-replacing rule
 * flagged. An expression that only compares the tenant column with the
 * context becomes the typed tenant predicate; anything else is kept verbatim.
 * A missing WITH CHECK on FOR ALL/UPDATE is written out explicitly — as the
 * tenant predicate, or as a copy of USING, which is exactly what Postgres
 * already checked (docs/postgres-rls.md#with-check-fallback), so the policy's meaning is unchanged.
 */
export function planReplacedPolicies(
  table: Table,
  findings: readonly Finding[],
  predicate: TenantPredicate,
  appRole: string,
  parser: SqlParser,
): ReplacePolicyStep[] {
  const reasonsByPolicy = new Map<string, Set<string>>();
  for (const f of findings) {
    if (f.object.kind !== 'policy' || !POLICY_REPLACING_RULES.includes(f.rule)) continue;
    if (f.object.schema !== table.schema || f.object.table !== table.name) continue;
    const set = reasonsByPolicy.get(f.object.name) ?? new Set<string>();
    set.add(f.rule);
    reasonsByPolicy.set(f.object.name, set);
  }
  const steps: ReplacePolicyStep[] = [];
  for (const policy of [...table.policies].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const reasons = reasonsByPolicy.get(policy.name);
    if (!reasons) continue;
    // An INSERT policy without WITH CHECK admits no row (docs/postgres-rls.md#with-check-fallback); recreating it as it is would change nothing.
    if (policy.command === 'INSERT' && policy.withCheck === null && reasons.size === 1 && reasons.has('with-check-missing')) continue;
    const isTenant = (expr: string | null) =>
      expr !== null && isTenantContextComparison(parser, expr, predicate.column, predicate.contextSetting);
    // Kept verbatim, but a per-row context call is wrapped when context-not-wrapped asked for it (the meaning is unchanged).
    const verbatim = (expr: string) => (reasons.has('context-not-wrapped') ? wrapContextCalls(parser, expr) : expr);
    const rewrite = (expr: string | null): PolicyExpression | null =>
      expr === null ? null : isTenant(expr) ? { kind: 'tenant' } : { kind: 'verbatim', sql: verbatim(expr) };

    const using = policy.command === 'INSERT' ? null : rewrite(policy.using);
    let withCheck: PolicyExpression | null = null;
    if (policy.command === 'ALL' || policy.command === 'UPDATE' || policy.command === 'INSERT') {
      withCheck = rewrite(policy.withCheck) ?? (policy.command === 'INSERT' ? null : using);
    }
    const toPublic = policy.roles.some((r) => r.toLowerCase() === 'public');
    steps.push({
      kind: 'replace-policy',
      table: { schema: table.schema, name: table.name },
      name: policy.name,
      command: policy.command,
      permissive: policy.permissive,
      // docs/postgres-rls.md#to-public: TO PUBLIC reaches every current and future role; the app role is the one that needs it.
      roles: reasons.has('policy-to-public') && toPublic ? [appRole] : [...policy.roles].sort(),
      using,
      withCheck,
      predicate,
      reasons: [...reasons].sort(),
    });
  }
  return steps;
}

/** A policy this scaffold would have created: same kind, FOR ALL TO the app role, tenant predicates. */
export function isOwnTenantPolicy(
  policy: Policy,
  permissive: boolean,
  appRole: string,
  isTenant: (expr: string | null) => boolean,
): boolean {
  return (
    policy.permissive === permissive &&
    policy.command === 'ALL' &&
    policy.roles.length === 1 &&
    policy.roles[0] === appRole &&
    isTenant(policy.using) &&
    isTenant(policy.withCheck)
  );
}

/**
 * The name for a tenant policy: `base`, unless the table already has a policy
 * of that name that is not ours — then `base_2`, `base_3`… so a user's own
 * policy is never dropped by accident.
 */
export function tenantPolicyName(
  base: string,
  permissive: boolean,
  existing: readonly Policy[],
  appRole: string,
  isTenant: (expr: string | null) => boolean,
): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}_${n}`;
    const policy = existing.find((p) => p.name === name);
    if (!policy || isOwnTenantPolicy(policy, permissive, appRole, isTenant)) return name;
  }
}
