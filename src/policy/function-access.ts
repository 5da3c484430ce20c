/**
 * What a function body reads and writes, for SECURITY DEFINER functions:
 * they run with their owner's rights (usually the tables' owner, exempt from
 * RLS), so a read is safe only when the body itself limits the rows to the
 * caller (`WHERE user_id = auth.uid()`), and every write goes around RLS.
 */
import type { RoutineInfo, Table } from '../catalog/types.js';
import { entryFor, type Env, type Lookup } from './env.js';
import { toQuery, type Expr, type Query } from './model.js';
import { levelRestrictions } from './subquery.js';
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

type Raw = Record<string, any>;
const WRITES = ['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'];

/** Top-level statements of a SQL body, or every embedded statement of a PL/pgSQL body. */
function statementsOf(fn: RoutineInfo, lookup: Lookup): { stmts: Raw[]; dynamic: boolean } {
  if (fn.language === 'sql') return { stmts: (lookup.parser.statements(fn.body).stmts ?? []).map((s: Raw) => s.stmt), dynamic: false };
  let tag = '$tenantguard$';
  while (fn.body.includes(tag)) tag = tag.replace(/\$$/, 'x$');
  const tree = lookup.parser.plpgsql(
    `CREATE FUNCTION tenantguard_body(${fn.identityArguments}) RETURNS ${fn.returns || 'void'} LANGUAGE plpgsql AS ${tag}${fn.body}${tag}`,
  );
  const stmts: Raw[] = [];
  let dynamic = false;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Raw;
    if (o.PLpgSQL_stmt_dynexecute || o.PLpgSQL_stmt_dynfors) dynamic = true;
    if (o.PLpgSQL_expr?.query) {
      const text = String(o.PLpgSQL_expr.query);
      const sql = o.PLpgSQL_expr.parseMode === 0 || o.PLpgSQL_expr.parseMode === undefined ? text : `SELECT ${text.replace(/^\s*[\w."]+\s*:?=\s*/, '')}`;
      try {
        for (const s of lookup.parser.statements(sql).stmts ?? []) stmts.push(s.stmt);
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
function topSelects(node: unknown, out: Raw[] = []): Raw[] {
  if (Array.isArray(node)) node.forEach((n) => topSelects(n, out));
  else if (node && typeof node === 'object') {
    const o = node as Raw;
    if (o.SelectStmt) out.push(o.SelectStmt);
    else Object.values(o).forEach((v) => topSelects(v, out));
  }
  return out;
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

export function functionAccess(fn: RoutineInfo, lookup: Lookup, paramNames: (string | null)[]): FunctionAccess {
  const none: FunctionAccess = { reads: [], writes: [], unlimitedReads: [], dynamic: false, problem: null };
  if (fn.language !== 'sql' && fn.language !== 'plpgsql') return { ...none, problem: `it is written in ${fn.language}` };
  let parsed: { stmts: Raw[]; dynamic: boolean };
  try {
    parsed = statementsOf(fn, lookup);
  } catch {
    return { ...none, problem: 'its body could not be parsed' };
  }
  const reads = new Set<Table>();
  const writes = new Set<Table>();
  const unlimited = new Set<Table>();
  const nearSchema = fn.searchPath?.split(',')[0]?.trim().replace(/^"|"$/g, '') || fn.schema;
  const params: Term[] = paramNames.map((n) => ({ t: 'other', text: n ?? '?', unverified: null }));
  const env: Env = {
    lookup,
    frames: [[]],
    focus: entryFor(null, '?', lookup.tenantColumn),
    params: { functionName: fn.name, names: paramNames, values: params, columnsFirst: fn.language === 'sql' },
    role: fn.securityDefiner ? fn.owner : null,
    inSubquery: true,
    notes: null,
    callChain: [`${fn.schema}.${fn.name}(${fn.identityArguments})`],
    functionHints: [],
    nearSchema,
  };
  const visit = (q: Query, outer: Env): void => {
    if (q.setOp) return [q.setOp.left, q.setOp.right].forEach((b) => visit(b, outer));
    const { entries, env: inner } = levelRestrictions(q, outer);
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
    const [type] = Object.keys(stmt);
    const relation = WRITES.includes(type!) ? stmt[type!].relation : null;
    const table = relation ? lookup.table(relation.schemaname ?? null, relation.relname, nearSchema) : null;
    if (table) writes.add(table);
    if (type === 'TruncateStmt') {
      for (const r of stmt.TruncateStmt.relations ?? []) {
        const t = lookup.table(r.RangeVar.schemaname ?? null, r.RangeVar.relname, nearSchema);
        if (t) writes.add(t);
      }
    }
    for (const select of topSelects(stmt)) visit(toQuery(select), env);
  }
  return { reads: [...reads], writes: [...writes], unlimitedReads: [...unlimited], dynamic: parsed.dynamic, problem: null };
}
