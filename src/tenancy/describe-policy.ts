/**
 * Wording shared by the policy rules: which policy and clause, why it does
 * not keep a role to its tenant, and who is affected.
 */
import type { Policy, Table } from '../catalog/types.js';
import type { Reason } from '../policy/verdict.js';
import type { FindingObject } from '../sql/object-name.js';
import { displayName } from '../sql/quote.js';
import type { Command, EffectiveAccess, PolicyTerm } from './effective.js';
import { PUBLIC } from './roles.js';
import type { Tenancy } from './types.js';

const MAX_CLAUSE = 160;

/** pg_get_expr text on one line, shortened for messages. */
export function clauseText(text: string): string {
  const flat = text.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
  const bare = flat.startsWith('(') && flat.endsWith(')') && balanced(flat.slice(1, -1)) ? flat.slice(1, -1) : flat;
  return bare.length > MAX_CLAUSE ? `${bare.slice(0, MAX_CLAUSE - 1)}…` : bare;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

export function policyLabel(policy: Policy): string {
  return `policy "${policy.name.replace(/"/g, '""')}"`;
}

/** `policy "insert" WITH CHECK (true)`, `policy "all" USING (…) (no WITH CHECK: USING is the check)`. */
export function describeTerm(term: PolicyTerm): string {
  const label = policyLabel(term.policy);
  if (term.analysis === null) return `${label} (no ${term.clause === 'using' ? 'USING' : 'WITH CHECK'})`;
  const clause = `${term.clause === 'using' ? 'USING' : 'WITH CHECK'} (${clauseText(term.analysis.text)})`;
  return term.fallback ? `${label} ${clause} (no WITH CHECK, so USING is the check on new rows)` : `${label} ${clause}`;
}

/** One clause of a policy as written. */
export function describeClause(policy: Policy, which: 'using' | 'withCheck'): string {
  const text = policy[which];
  return `${which === 'using' ? 'USING' : 'WITH CHECK'} (${text === null ? '' : clauseText(text)})`;
}

export function describeReason(reason: Reason, tenantColumn: string): string {
  switch (reason.kind) {
    case 'always-true':
      return `${reason.text} is always true`;
    case 'self-comparison':
      return `${reason.text} compares ${reason.table}.${reason.column} with itself (an unqualified column inside the subquery binds to ${reason.table}), so it is always true`;
    case 'bypass-setting':
      return `${reason.text} is true whenever a session sets ${reason.setting}, and any role can SET a custom setting`;
    case 'fail-open':
      return `${reason.text} admits every row when ${reason.setting ?? 'the tenant context'} is unset or empty`;
    case 'gate':
      return `${reason.text} depends only on the session, not on the row, so when it holds every row is admitted`;
    case 'unconstrained':
      return `${reason.text} does not pin ${tenantColumn}`;
    case 'unscoped-subquery':
      return `the subquery over ${reason.table ?? 'its rows'} is not limited to the current user or tenant`;
    case 'owner':
      return `${reason.text} pins ${reason.column} to the current user, not ${tenantColumn}`;
    case 'unverified':
      return reason.detail;
  }
}

/** The first, most telling reason of a verdict, in words. */
export function firstReason(reasons: readonly Reason[], tenantColumn: string): string | null {
  const order: Reason['kind'][] = ['always-true', 'self-comparison', 'bypass-setting', 'fail-open', 'gate', 'unscoped-subquery', 'owner', 'unconstrained', 'unverified'];
  const sorted = [...reasons].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  return sorted[0] ? describeReason(sorted[0], tenantColumn) : null;
}

export function roleLabel(role: string): string {
  return role === PUBLIC ? 'every role (PUBLIC)' : displayName(null, role);
}

/** What one tenant is called: `organization` for organization_id, `team` for team_id. */
export function tenantNoun(tenancy: Pick<Tenancy, 'tenantColumn'>): string {
  const base = tenancy.tenantColumn.replace(/_?id$/i, '');
  return base.replace(/_/g, ' ') || 'tenant';
}

export function commandList(commands: readonly Command[]): string {
  if (commands.length <= 1) return commands.join('');
  return `${commands.slice(0, -1).join(', ')} and ${commands.at(-1)}`;
}

export function tableLabel(table: Table): string {
  return displayName(table.schema, table.name);
}

/** Groups effective accesses of one table and role that share a verdict and culprits, to report them once. */
export function groupAccesses<T>(
  accesses: readonly EffectiveAccess[],
  signature: (a: EffectiveAccess) => string | null,
  make: (group: EffectiveAccess[]) => T,
): T[] {
  const groups = new Map<string, EffectiveAccess[]>();
  for (const a of accesses) {
    const sig = signature(a);
    if (sig === null) continue;
    const key = `${a.table.oid}|${a.role}|${sig}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  return [...groups.values()].map(make);
}

/** The policies behind a set of terms, as finding objects: what a finding about their effect names as its cause. */
export function policyObjects(table: Table, terms: readonly PolicyTerm[]): FindingObject[] {
  const names = [...new Set(terms.map((t) => t.policy.name))];
  return names.map((name) => ({ kind: 'policy', schema: table.schema, name, table: table.name }));
}
