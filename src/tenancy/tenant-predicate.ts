/**
 * The tenant predicate tenantguard proposes in fixes — the fail-closed,
 * index-friendly, once-per-statement form (docs/postgres-rls.md#empty-context, #casts-and-indexes, #initplan):
 *   organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)
 * Offered only when the app keeps its tenant in that setting (some tenant
 * policy reads it, or no policy exists yet); apps whose tenant comes from
 * auth.uid() and a membership table get no rewritten SQL.
 */
import type { Table } from '../catalog/types.js';
import { restrictivePolicy, tenantPredicate, type Fix } from '../sql/statements.js';
import type { PolicySemantics } from './effective.js';
import type { Tenancy } from './types.js';

/** `organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)`, or null without the tenant column. */
export function tenantPredicateSql(tenancy: Tenancy, table: Table): string | null {
  const column = table.columns.find((c) => c.name === tenancy.tenantColumn);
  return column ? tenantPredicate(column.name, tenancy.contextSetting, column.type) : null;
}

function freePolicyName(table: Table, wanted: string): string {
  const taken = new Set(table.policies.map((p) => p.name));
  let name = wanted;
  for (let i = 2; taken.has(name); i++) name = `${wanted}_${i}`;
  return name;
}

/**
 * A RESTRICTIVE policy that ANDs the tenant predicate into every command for
 * the given roles, whatever permissive policies exist (docs/postgres-rls.md#permissive-restrictive).
 */
export function restrictiveTenantPolicyFix(semantics: PolicySemantics, tenancy: Tenancy, table: Table, roles: readonly string[]): Fix | null {
  const predicate = tenantPredicateSql(tenancy, table);
  if (predicate === null || roles.length === 0 || !semantics.usesContextSetting()) return null;
  const name = freePolicyName(table, 'tenant_isolation');
  return { title: `Add a restrictive tenant policy on ${table.schema}.${table.name}`, sql: restrictivePolicy(name, table, roles, predicate) };
}
