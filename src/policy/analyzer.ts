/**
 * Entry point of policy analysis: one clause (USING or WITH CHECK) of one
 * policy, parsed by the real Postgres parser and classified for its table.
 * Results are memoised; a clause whose subqueries read other tables with RLS
 * is re-judged per role, because those subqueries run with the role's rights.
 */
import type { Catalog, Policy, RoutineInfo, Table } from '../catalog/types.js';
import { createLookup, entryFor, type Env, type Lookup, type Notes } from './env.js';
import { functionAccess, type FunctionAccess } from './function-access.js';
import { paramNames } from './functions.js';
import type { Expr } from './model.js';
import { loadPolicyParser } from './parser.js';
import { classify } from './predicate.js';
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

export async function createPolicyAnalyzer(catalog: Catalog, tenantColumn: string, rowScope: RowScope): Promise<PolicyAnalyzer> {
  const parser = await loadPolicyParser();
  const lookup: Lookup = createLookup(catalog, tenantColumn, rowScope, parser);
  const cache = new Map<string, ClauseAnalysis>();

  const analyse = (table: Table, policy: Policy, text: string, role: string | null): ClauseAnalysis => {
    const notes: Notes = { casts: [], unwrapped: [], settings: [] };
    let expr: Expr;
    try {
      expr = parser.expression(text);
    } catch {
      const verdict = unknown({ kind: 'unverified', text, detail: 'the expression could not be parsed' });
      return { text, expr: null, verdict, notes, roleDependent: false };
    }
    const root = entryFor(table, table.name, tenantColumn);
    const env: Env = {
      lookup,
      frames: [[root]],
      focus: root,
      params: null,
      role,
      inSubquery: false,
      notes,
      callChain: [],
      functionHints: policy.dependsOn.functions,
      nearSchema: table.schema,
    };
    const saved = lookup.consulted.value;
    lookup.consulted.value = false;
    const verdict = classify(expr, env);
    const roleDependent = lookup.consulted.value;
    lookup.consulted.value = saved || roleDependent;
    return { text, expr, verdict, notes, roleDependent };
  };

  const accesses = new Map<RoutineInfo, FunctionAccess>();
  return {
    functionAccess(fn) {
      let access = accesses.get(fn);
      if (!access) {
        access = functionAccess(fn, lookup, paramNames(fn, parser));
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
