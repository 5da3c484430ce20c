/**
 * Entry point of policy analysis: one clause (USING or WITH CHECK) of one
 * policy, parsed by the real Postgres parser and judged by the evaluator
 * for its table.
 * Results are memoised; a clause whose subqueries read other tables with RLS
 * is re-judged per role, because those subqueries run with the role's rights.
 */
import type { Catalog, Policy, RoutineInfo, Table } from '../catalog/types.js';
import { loadParser } from '../sql/parser.js';
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
  const cache = new Map<string, ClauseAnalysis>();
  // identical texts (the same policy on many tables) are parsed once
  const expressions = new Map<string, Expr | null>();
  const parse = (text: string): Expr | null => {
    if (!expressions.has(text)) {
      const node = parser.parseExpression(text);
      expressions.set(text, node ? toExpr(node) : null);
    }
    return expressions.get(text)!;
  };

  const analyse = (table: Table, policy: Policy, text: string, role: string | null): ClauseAnalysis => {
    const notes: Notes = { casts: [], unwrapped: [], settings: [] };
    const expr = parse(text);
    if (expr === null) {
      const verdict = unknown({ kind: 'unverified', text, detail: 'the expression could not be parsed' });
      return { text, expr: null, verdict, notes, roleDependent: false };
    }
    const env = tableEnv(lookup, table, { role, notes, functionHints: policy.dependsOn.functions });
    const saved = lookup.consulted.value;
    lookup.consulted.value = false;
    const verdict = evaluator.classify(expr, env);
    const roleDependent = lookup.consulted.value;
    lookup.consulted.value = saved || roleDependent;
    return { text, expr, verdict, notes, roleDependent };
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
      const key = `${table.oid}|${policy.name}|${which}`;
      let base = cache.get(key);
      if (!base) {
        base = analyse(table, policy, text, null);
        cache.set(key, base);
      }
      if (role === null || !base.roleDependent) return base;
      const roleKey = `${key}|${role}`;
      let forRole = cache.get(roleKey);
      if (!forRole) {
        forRole = analyse(table, policy, text, role);
        cache.set(roleKey, forRole);
      }
      return forRole;
    },
  };
}
