/**
 * The statements that change rows — INSERT, UPDATE, DELETE, MERGE, TRUNCATE —
 * in the expression model, for function bodies: which table each one
 * writes, which rows it reaches (its WHERE, or the values it inserts) and
 * which columns it sets. Pure conversion from the parse tree, no judgement.
 */
import { nodeAs, tagged, type Node, type RangeVar } from '../sql/parse-tree.js';
import { toExpr, toQuery, type Expr, type FromItem, type Query } from './model.js';

export interface WriteTarget {
  schema: string | null;
  name: string;
  alias: string | null;
}

export interface Write {
  command: 'insert' | 'update' | 'delete' | 'merge' | 'truncate';
  targets: WriteTarget[];
  /** UPDATE/DELETE: the rows reached (null: every row). */
  where: Expr | null;
  /** UPDATE … FROM / DELETE … USING. */
  from: FromItem[];
  /** INSERT: the columns each VALUES row fills, or UPDATE: the columns SET. */
  columns: string[];
  /** INSERT … VALUES rows, or the one row of UPDATE SET values; aligned with `columns`. */
  rows: Expr[][];
  /** INSERT … SELECT: the query whose rows are inserted. */
  source: Query | null;
  /** RETURNING expressions (rows of the written table handed back to the caller). */
  returning: Expr[];
}

function target(r: RangeVar | undefined): WriteTarget[] {
  return r?.relname ? [{ schema: r.schemaname ?? null, name: r.relname, alias: r.alias?.aliasname ?? null }] : [];
}

function fromItems(list: Node[] | undefined): FromItem[] {
  if (!list || list.length === 0) return [];
  // the FROM items of `SELECT 1 FROM <list>`, converted by the query model
  return toQuery({ fromClause: list }).from;
}

function resTargets(list: Node[] | undefined): { name: string; value: Expr | null }[] {
  return (list ?? []).map((n) => {
    const t = nodeAs(n, 'ResTarget');
    return { name: t?.name ?? '', value: t?.val ? toExpr(t.val) : null };
  });
}

/** The write a statement makes, or null when it changes no table rows (SELECT, SET, …). */
export function toWrite(stmt: Node): Write | null {
  const t = tagged(stmt);
  const base = { where: null, from: [], columns: [], rows: [], source: null, returning: [] } satisfies Partial<Write>;
  switch (t.tag) {
    case 'InsertStmt': {
      const n = t.fields;
      const select = nodeAs(n.selectStmt, 'SelectStmt');
      const values = select?.valuesLists?.map((l) => (nodeAs(l, 'List')?.items ?? []).map(toExpr));
      return {
        ...base,
        command: 'insert',
        targets: target(n.relation),
        columns: resTargets(n.cols).map((c) => c.name),
        rows: values ?? [],
        source: select && !values ? toQuery(select) : null,
        returning: resTargets(n.returningClause?.exprs).flatMap((r) => (r.value ? [r.value] : [])),
      };
    }
    case 'UpdateStmt': {
      const n = t.fields;
      const set = resTargets(n.targetList);
      return {
        ...base,
        command: 'update',
        targets: target(n.relation),
        where: n.whereClause ? toExpr(n.whereClause) : null,
        from: fromItems(n.fromClause),
        columns: set.map((s) => s.name),
        rows: [set.map((s) => s.value ?? { kind: 'const', value: null })],
        returning: resTargets(n.returningClause?.exprs).flatMap((r) => (r.value ? [r.value] : [])),
      };
    }
    case 'DeleteStmt': {
      const n = t.fields;
      return {
        ...base,
        command: 'delete',
        targets: target(n.relation),
        where: n.whereClause ? toExpr(n.whereClause) : null,
        from: fromItems(n.usingClause),
        returning: resTargets(n.returningClause?.exprs).flatMap((r) => (r.value ? [r.value] : [])),
      };
    }
    case 'MergeStmt':
      return { ...base, command: 'merge', targets: target(t.fields.relation) };
    case 'TruncateStmt':
      return { ...base, command: 'truncate', targets: (t.fields.relations ?? []).flatMap((r) => target(nodeAs(r, 'RangeVar'))) };
    default:
      return null;
  }
}
