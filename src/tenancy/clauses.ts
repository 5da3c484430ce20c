/**
 * Facts about the policy clauses of the tenant tables as a whole, computed
 * once by the policy semantics (effective.ts) from the tenancy it was built
 * for and its clause analysis.
 */
import type { Policy, Table } from '../catalog/types.js';
import type { ClauseAnalysis, ClauseName } from '../policy/analyzer.js';
import type { Tenancy } from './types.js';

export interface PolicyClause {
  table: Table;
  policy: Policy;
  which: ClauseName;
  analysis: ClauseAnalysis;
}

type AnalyseClause = (table: Table, policy: Policy, which: ClauseName) => ClauseAnalysis | null;

/** Every USING and WITH CHECK of every policy on a tenant table, analysed (foreign tables have no RLS). */
export function listTenantClauses(tenancy: Tenancy, analyse: AnalyseClause): PolicyClause[] {
  return listClauses(
    tenancy.tenantTables.map((t) => t.table).filter((t) => t.kind !== 'foreign-table'),
    analyse,
  );
}

/** Every USING and WITH CHECK of every policy on the given tables, analysed. */
export function listClauses(tables: readonly Table[], analyse: AnalyseClause): PolicyClause[] {
  const out: PolicyClause[] = [];
  for (const table of tables) {
    for (const policy of table.policies) {
      for (const which of ['using', 'withCheck'] as const) {
        const analysis = analyse(table, policy, which);
        if (analysis) out.push({ table, policy, which, analysis });
      }
    }
  }
  return out;
}

/**
 * The app keeps its tenant in the context setting: some tenant-scoped policy
 * reads it, or no tenant table has a policy yet (a fix then introduces it).
 */
export function readsContextSetting(tenancy: Tenancy, analyse: AnalyseClause): boolean {
  let anyPolicy = false;
  for (const { table } of tenancy.tenantTables) {
    for (const policy of table.policies) {
      anyPolicy = true;
      for (const which of ['using', 'withCheck'] as const) {
        const clause = analyse(table, policy, which);
        if (clause?.verdict.scope === 'tenant' && clause.notes.settings.includes(tenancy.contextSetting)) return true;
      }
    }
  }
  return !anyPolicy;
}
