/**
 * Entry point of policy analysis: one clause (USING or WITH CHECK) of one
 * policy, parsed by the real Postgres parser and judged by the evaluator
 * for its table.
 * Results are memoised per policy; a clause that reads nothing beyond its own
 * table's row is judged once for every table where it cannot judge otherwise
 * (clause-key.ts), and a clause whose subqueries read other tables with RLS
 * is re-judged per role, because those subqueries run with the role's rights.
 */
import type { Catalog, Policy, RoutineInfo, Table } from '../catalog/types.js';
import { loadParser } from '../sql/parser.js';
import { clauseKeys } from './clause-key.js';
import { createLookup, NO_API_ROLES, type ApiRoles, type Lookup, type Notes } from './env.js';
import { evaluator, tableEnv } from './evaluator.js';
import { functionAccess, type FunctionAccess } from './function-access.js';
import { toExpr, type Expr } from './model.js';
import { unknown, type Scope, type Verdict } from './verdict.js';

export type ClauseName = 'using' | 'withCheck';

export interface ClauseAnalysis {
  /** pg_get_expr text of the clause. */
  text: string;
  expr: Expr | null;
  verdict: Verdict;
  notes: Notes;
  /** The verdict depends on the role (a subquery reads a table whose RLS limits it). */
  roleDependent: boolean;
}

export interface PolicyAnalyzer {
  /** null when the policy has no such clause. `role` null = judged without the RLS of tables read in subqueries. */
  clause(table: Table, policy: Policy, which: ClauseName, role: string | null): ClauseAnalysis | null;
  /** Tables a function body reads and writes, and which reads are not limited to the session. */
  functionAccess(fn: RoutineInfo): FunctionAccess;
}

export type RowScope = (table: Table, role: string | null) => Scope | null;

export async function createPolicyAnalyzer(
  catalog: Catalog,
  tenantColumn: string,
  rowScope: RowScope,
  apiRoles: ApiRoles = NO_API_ROLES,
): Promise<PolicyAnalyzer> {
  const parser = await loadParser();
  const lookup: Lookup = createLookup(catalog, tenantColumn, rowScope, parser, apiRoles);
  // per policy and clause: judged without a role, then per role where the verdict depends on it
  const judged: Record<ClauseName, Map<Policy, { base: ClauseAnalysis; byRole: Map<string, ClauseAnalysis> }>> = {
    using: new Map(),
    withCheck: new Map(),
  };
  // judgements that read nothing beyond their table's row, by clause-key.ts's key
  const selfContained = new Map<string, ClauseAnalysis>();
  const keys = clauseKeys(tenantColumn);
  // identical texts (the same policy on many tables) are parsed once
  const expressions = new Map<string, Expr | null>();
  const parse = (text: string): Expr | null => {
    if (!expressions.has(text)) {
      const node = parser.parseExpression(text);
      expressions.set(text, node ? toExpr(node) : null);
    }
    return expressions.get(text)!;
  };

  /** One judgement, and whether it read the catalog beyond the table's row. */
  const analyse = (table: Table, policy: Policy, text: string, role: string | null): { analysis: ClauseAnalysis; reachedOut: boolean } => {
    const notes: Notes = { casts: [], unwrapped: [], settings: [] };
    const expr = parse(text);
    if (expr === null) {
      const verdict = unknown({ kind: 'unverified', text, detail: 'the expression could not be parsed' });
      return { analysis: { text, expr: null, verdict, notes, roleDependent: false }, reachedOut: false };
    }
    const env = tableEnv(lookup, table, { role, notes, functionHints: policy.dependsOn.functions });
    const saved = { consulted: lookup.consulted.value, reachedOut: lookup.reachedOut.value };
    lookup.consulted.value = false;
    lookup.reachedOut.value = false;
    const verdict = evaluator.classify(expr, env);
    const roleDependent = lookup.consulted.value;
    const reachedOut = lookup.reachedOut.value;
    lookup.consulted.value = saved.consulted || roleDependent;
    lookup.reachedOut.value = saved.reachedOut || reachedOut;
    return { analysis: { text, expr, verdict, notes, roleDependent }, reachedOut };
  };

  /** The judgement without a role: shared by every table where the clause is self-contained and judged alike. */
  const judgeBase = (table: Table, policy: Policy, text: string): ClauseAnalysis => {
    const key = keys.selfContained(table, text, policy.dependsOn.functions);
    const shared = selfContained.get(key);
    if (shared) return shared;
    const { analysis, reachedOut } = analyse(table, policy, text, null);
    if (!reachedOut && !analysis.roleDependent) selfContained.set(key, analysis);
    return analysis;
  };

  const accesses = new Map<RoutineInfo, FunctionAccess>();
  return {
    functionAccess(fn) {
      let access = accesses.get(fn);
      if (!access) {
        access = functionAccess(fn, lookup);
        accesses.set(fn, access);
      }
      return access;
    },
    clause(table, policy, which, role) {
      const text = policy[which];
      if (text === null) return null;
      let entry = judged[which].get(policy);
      if (!entry) {
        entry = { base: judgeBase(table, policy, text), byRole: new Map() };
        judged[which].set(policy, entry);
      }
      if (role === null || !entry.base.roleDependent) return entry.base;
      let forRole = entry.byRole.get(role);
      if (!forRole) {
        forRole = analyse(table, policy, text, role).analysis;
        entry.byRole.set(role, forRole);
      }
      return forRole;
    },
  };
}
