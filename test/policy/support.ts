/**
 * The policy evaluator on a real catalog: expressions parsed by the real
 * parser, names resolved against tables and functions introspected from a
 * real database.
 */
import { introspect } from '../../src/catalog/introspect.js';
import type { Catalog, RoutineInfo, Table } from '../../src/catalog/types.js';
import { createLookup, type ApiRoles, type Env, type Lookup, type Notes } from '../../src/policy/env.js';
import { tableEnv } from '../../src/policy/evaluator.js';
import { toExpr, toQuery, type Expr, type Query } from '../../src/policy/model.js';
import type { Scope } from '../../src/policy/verdict.js';
import { nodeAs } from '../../src/sql/parse-tree.js';
import { loadParser, type SqlParser } from '../../src/sql/parser.js';
import type { TestDatabase } from '../support/db.js';

export interface Evaluation {
  catalog: Catalog;
  lookup: Lookup;
  parser: SqlParser;
  table(name: string): Table;
  /** The function of that name read back from the catalog. */
  routine(name: string): RoutineInfo;
  /** The environment of a policy on `table`; `role` decides how the RLS of tables read in subqueries limits them. */
  env(table: string, role?: string | null): Env & { notes: Notes };
  expr(text: string): Expr;
  query(text: string): Query;
}

/** `rowScope`: how a table's own RLS limits a role's view of it; by default, not at all. */
export async function evaluation(
  db: TestDatabase,
  rowScope: (table: Table, role: string | null) => Scope | null = () => null,
  apiRoles?: ApiRoles,
): Promise<Evaluation> {
  const catalog = await introspect(db.client);
  const parser = await loadParser();
  const lookup = createLookup(catalog, 'organization_id', rowScope, parser, apiRoles);
  const table = (name: string) => {
    const found = catalog.tables.find((t) => t.name === name);
    if (!found) throw new Error(`no table ${name}`);
    return found;
  };
  return {
    catalog,
    lookup,
    parser,
    table,
    routine(name) {
      const found = catalog.functions.find((f) => f.name === name);
      if (!found) throw new Error(`no function ${name}`);
      return found;
    },
    env: (name, role = null) => tableEnv(lookup, table(name), { role, notes: { casts: [], unwrapped: [], settings: [] } }) as Env & { notes: Notes },
    expr(text) {
      const node = parser.parseExpression(text);
      if (!node) throw new Error(`not an expression: ${text}`);
      return toExpr(node);
    },
    query(text) {
      const select = nodeAs(parser.parse(text).stmts?.[0]?.stmt, 'SelectStmt');
      if (!select) throw new Error(`not a SELECT: ${text}`);
      return toQuery(select);
    },
  };
}
