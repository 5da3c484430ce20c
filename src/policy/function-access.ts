/**
 * What a function body reads and writes, for SECURITY DEFINER functions:
 * they run with their owner's rights (usually the tables' owner, exempt from
 * RLS), so a read is safe only when the body itself limits the rows to the
 * caller (`WHERE user_id = auth.uid()`), and every write goes around RLS.
 */
import type { RoutineInfo, Table } from '../catalog/types.js';
import { nodeAs, tagged, type Node, type SelectStmt } from '../sql/parse-tree.js';
import { entryFor, type Env, type Lookup } from './env.js';
import { evaluator } from './evaluator.js';
import { assignedValue, paramNames } from './function-body.js';
import { toQuery, type Expr, type Query } from './model.js';
import type { Term } from './terms.js';

export interface FunctionAccess {
  reads: Table[];
  writes: Table[];
  /** Tables read without a condition limiting the rows to the session's user or tenant. */
  unlimitedReads: Table[];
  /** Runs dynamic SQL (EXECUTE): what it touches cannot be known. */
  dynamic: boolean;
  /** The body could not be parsed (C, internal, syntax unknown to the parser). */
  problem: string | null;
}

/** Top-level statements of a SQL body, or every embedded statement of a PL/pgSQL body. */
function statementsOf(fn: RoutineInfo, lookup: Lookup): { stmts: Node[]; dynamic: boolean } {
  const statements = (sql: string): Node[] => (lookup.parser.parse(sql).stmts ?? []).flatMap((s) => (s.stmt ? [s.stmt] : []));
  if (fn.language === 'sql') return { stmts: statements(fn.body), dynamic: false };
  const tree = lookup.parser.parsePlpgsqlFunction(fn.body, fn.identityArguments, fn.returns);
  const stmts: Node[] = [];
  let dynamic = false;
  // every PL/pgSQL statement kind can hold SQL (conditions, loops, assignments): walk the whole tree
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.PLpgSQL_stmt_dynexecute || o.PLpgSQL_stmt_dynfors) dynamic = true;
    const expr = o.PLpgSQL_expr as { query?: string; parseMode?: number } | undefined;
    if (expr?.query) {
      const text = String(expr.query);
      const sql = expr.parseMode === 0 || expr.parseMode === undefined ? text : `SELECT ${assignedValue(text)}`;
      try {
        stmts.push(...statements(sql));
      } catch {
        // a fragment the SQL grammar cannot read on its own (e.g. a cursor target) touches no table
      }
    }
    Object.values(o).forEach(walk);
  };
  walk(tree);
  return { stmts, dynamic };
}

/** SelectStmts not nested in another SelectStmt (nested ones are reached through the model). */
function topSelects(node: unknown, out: SelectStmt[] = []): SelectStmt[] {
  if (Array.isArray(node)) node.forEach((n) => topSelects(n, out));
  else if (node && typeof node === 'object') {
    const select = nodeAs(node as Node, 'SelectStmt');
    if (select) out.push(select);
    else Object.values(node).forEach((v) => topSelects(v, out));
  }
  return out;
}

/** The tables a statement writes: INSERT/UPDATE/DELETE/MERGE targets and TRUNCATE's list. */
function writtenRelations(stmt: Node): { schemaname?: string; relname?: string }[] {
  const t = tagged(stmt);
  switch (t.tag) {
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      return t.fields.relation ? [t.fields.relation] : [];
    case 'TruncateStmt':
      return (t.fields.relations ?? []).flatMap((r) => nodeAs(r, 'RangeVar') ?? []);
    default:
      return [];
  }
}

function subqueriesOf(e: Expr | null, out: Query[] = []): Query[] {
  if (!e) return out;
  if (e.kind === 'sublink') out.push(e.query);
  if (e.kind === 'other') out.push(...e.queries);
  for (const v of Object.values(e)) {
    if (Array.isArray(v)) for (const x of v) if (x && typeof x === 'object' && 'kind' in x) subqueriesOf(x as Expr, out);
    if (v && typeof v === 'object' && !Array.isArray(v) && 'kind' in v) subqueriesOf(v as Expr, out);
  }
  return out;
}

export function functionAccess(fn: RoutineInfo, lookup: Lookup): FunctionAccess {
  const none: FunctionAccess = { reads: [], writes: [], unlimitedReads: [], dynamic: false, problem: null };
  if (fn.language !== 'sql' && fn.language !== 'plpgsql') return { ...none, problem: `it is written in ${fn.language}` };
  let parsed: { stmts: Node[]; dynamic: boolean };
  try {
    parsed = statementsOf(fn, lookup);
  } catch {
    return { ...none, problem: 'its body could not be parsed' };
  }
  const reads = new Set<Table>();
  const writes = new Set<Table>();
  const unlimited = new Set<Table>();
  const nearSchema = fn.searchPath?.split(',')[0]?.trim().replace(/^"|"$/g, '') || fn.schema;
  const names = paramNames(fn, lookup.parser);
  const params: Term[] = names.map((n) => ({ t: 'other', text: n ?? '?', unverified: null }));
  const env: Env = {
    lookup,
    evaluator,
    frames: [[]],
    focus: entryFor(null, '?', lookup.tenantColumn),
    params: { functionName: fn.name, names, values: params, columnsFirst: fn.language === 'sql' },
    role: fn.securityDefiner ? fn.owner : null,
    inSubquery: true,
    notes: null,
    callChain: [`${fn.schema}.${fn.name}(${fn.identityArguments})`],
    functionHints: [],
    nearSchema,
  };
  const visit = (q: Query, outer: Env): void => {
    if (q.setOp) return [q.setOp.left, q.setOp.right].forEach((b) => visit(b, outer));
    const { entries, env: inner } = outer.evaluator.levelRestrictions(q, outer);
    for (const [entry, level] of entries) {
      if (!entry.table) continue;
      reads.add(entry.table);
      if (level === null) unlimited.add(entry.table);
    }
    const nested = [...q.targets.flatMap((t) => subqueriesOf(t)), ...subqueriesOf(q.where)];
    for (const item of q.from) if (item.kind === 'subquery') nested.push(item.query);
    nested.forEach((n) => visit(n, inner));
  };
  for (const stmt of parsed.stmts) {
    for (const r of writtenRelations(stmt)) {
      const table = r.relname ? lookup.table(r.schemaname ?? null, r.relname, nearSchema) : null;
      if (table) writes.add(table);
    }
    for (const select of topSelects(stmt)) visit(toQuery(select), env);
  }
  return { reads: [...reads], writes: [...writes], unlimitedReads: [...unlimited], dynamic: parsed.dynamic, problem: null };
}
