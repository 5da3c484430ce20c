/**
 * The policy evaluator: one object through which every part of the analysis
 * reaches every other. An expression is judged by `classify` (predicate.ts),
 * its values by `term` (terms.ts), its subqueries by `exists`/`inSubquery`/
 * `setPin` (subquery.ts) and its helper calls through their bodies
 * (functions.ts). Those modules never import one another: each receives this
 * object in its `Env` and calls back through it, so the recursion — a policy
 * calls a helper whose body holds a subquery that calls another helper — is
 * wired here, in one place, and each module reads top-down on its own.
 */
import type { RoutineInfo, Table } from '../catalog/types.js';
import type { Env, Lookup, Notes, RangeEntry, SetPin } from './env.js';
import { entryFor } from './env.js';
import { booleanHelper, setHelperPin, valueHelper } from './functions.js';
import type { Expr, Query } from './model.js';
import { classify } from './predicate.js';
import { existsVerdict, inVerdict, levelRestrictions, setQueryPin } from './subquery.js';
import { evalTerm, type Term } from './terms.js';
import type { Verdict } from './verdict.js';

type Call = Extract<Expr, { kind: 'call' }>;

export interface Evaluator {
  /** How a boolean expression limits the rows of `env.focus`. */
  classify(e: Expr, env: Env): Verdict;
  /** What a value is: a column, the session's context, a constant, a set pinned to the session. */
  term(e: Expr, env: Env): Term;
  /** `EXISTS (<query>)` as a condition on the focus row. */
  exists(query: Query, env: Env): Verdict;
  /** `<test> IN (<query>)` as a condition on the focus row. */
  inSubquery(test: Expr, query: Query, env: Env): Verdict;
  /** The values a one-column query returns, when they are all pinned to the session. */
  setPin(query: Query, env: Env): SetPin | null;
  /** The FROM items of one query level and how the session limits each. */
  levelRestrictions(query: Query, env: Env): { entries: [RangeEntry, SetPin | 'deny' | null][]; env: Env };
  /** A helper call used as a condition, judged through its body. */
  booleanHelper(call: Call, env: Env): Verdict;
  /** A helper call used as a value, judged through its body; null when the body cannot be analysed. */
  valueHelper(fn: RoutineInfo, call: Call, env: Env): Term | null;
  /** A set-returning helper in FROM or `IN (SELECT helper())`. */
  setHelperPin(call: Call, env: Env): SetPin | null;
}

export const evaluator: Evaluator = {
  classify,
  term: evalTerm,
  exists: existsVerdict,
  inSubquery: inVerdict,
  setPin: setQueryPin,
  levelRestrictions,
  booleanHelper,
  valueHelper,
  setHelperPin,
};

export interface TableEnvOptions {
  /** Role whose rights subqueries run with; null = judged without the RLS of the tables they read. */
  role: string | null;
  /** Where facts about the clause (casts, settings read) are collected; null = not collected. */
  notes: Notes | null;
  /** Functions the expression references (pg_depend), to resolve unqualified calls. */
  functionHints?: Env['functionHints'];
}

/** The environment of an expression on the rows of `table`, as a policy on it sees them. */
export function tableEnv(lookup: Lookup, table: Table, options: TableEnvOptions): Env {
  const root = entryFor(table, table.name, lookup.tenantColumn);
  return {
    lookup,
    evaluator,
    frames: [[root]],
    focus: root,
    params: null,
    role: options.role,
    caller: options.role,
    inSubquery: false,
    notes: options.notes,
    callChain: [],
    functionHints: options.functionHints ?? [],
    nearSchema: table.schema,
  };
}
