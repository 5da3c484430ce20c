/**
 * A small typed model of the Postgres expressions policies are made of,
 * converted from libpg-query's raw parse tree (the real Postgres grammar).
 * Only the shapes the analysis reasons about get their own variant; every
 * other node becomes `other` and keeps its children, so nothing it contains
 * (a column, a context call, a subquery) is lost to the analysis.
 */
import type { A_Expr, Node, SelectStmt, TypeName } from '../sql/parse-tree.js';
import { constValue, nodeAs, stringsOf, tagged } from '../sql/parse-tree.js';

export type Expr =
  | { kind: 'const'; value: string | number | boolean | null }
  | { kind: 'column'; fields: string[] }
  | { kind: 'param'; number: number }
  | { kind: 'call'; name: string[]; args: Expr[] }
  /** current_user, session_user, current_role, user */
  | { kind: 'sql-value'; name: string }
  /** Binary or prefix operator; `left` is null for a prefix operator. */
  | { kind: 'op'; op: string; left: Expr | null; right: Expr }
  /** `left op ANY (right)` / `ALL (right)` with an array on the right. */
  | { kind: 'op-any'; op: string; all: boolean; left: Expr; right: Expr }
  | { kind: 'in'; negated: boolean; left: Expr; list: Expr[] }
  | { kind: 'distinct'; negated: boolean; left: Expr; right: Expr }
  | { kind: 'and' | 'or'; args: Expr[] }
  | { kind: 'not'; arg: Expr }
  | { kind: 'cast'; arg: Expr; type: string }
  | { kind: 'nullif'; left: Expr; right: Expr }
  | { kind: 'coalesce'; args: Expr[] }
  | { kind: 'null-test'; arg: Expr; isNull: boolean }
  | { kind: 'bool-test'; arg: Expr; test: string }
  | { kind: 'sublink'; link: SubLinkKind; test: Expr | null; op: string | null; query: Query }
  | { kind: 'array'; elements: Expr[] }
  | { kind: 'other'; label: string; children: Expr[]; queries: Query[] };

export type SubLinkKind = 'exists' | 'any' | 'all' | 'expr' | 'array' | 'other';

export interface Query {
  targets: Expr[];
  from: FromItem[];
  where: Expr | null;
  /** UNION / INTERSECT / EXCEPT branches; `targets`/`from`/`where` are empty then. */
  setOp: { op: string; left: Query; right: Query } | null;
  /** The query aggregates or limits (GROUP BY, HAVING, LIMIT): kept for printing decisions only. */
  grouped: boolean;
}

export type FromItem =
  | { kind: 'relation'; schema: string | null; name: string; alias: string | null }
  | { kind: 'function'; call: Expr; alias: string | null }
  | { kind: 'subquery'; query: Query; alias: string | null }
  | { kind: 'join'; left: FromItem; right: FromItem; on: Expr | null; using: string[] };

const SQL_VALUE_NAMES: Record<string, string> = {
  SVFOP_CURRENT_USER: 'current_user',
  SVFOP_SESSION_USER: 'session_user',
  SVFOP_CURRENT_ROLE: 'current_role',
  SVFOP_USER: 'user',
  SVFOP_CURRENT_CATALOG: 'current_catalog',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
};

const SUBLINK_KINDS: Record<string, SubLinkKind> = {
  EXISTS_SUBLINK: 'exists',
  ANY_SUBLINK: 'any',
  ALL_SUBLINK: 'all',
  EXPR_SUBLINK: 'expr',
  ARRAY_SUBLINK: 'array',
};

/** The SQL spelling of pg_catalog's internal type names, as pg_get_expr prints them. */
const SQL_TYPE_NAMES: Record<string, string> = {
  bool: 'boolean',
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  varchar: 'character varying',
  bpchar: 'character',
  timestamptz: 'timestamp with time zone',
  timestamp: 'timestamp without time zone',
};

function typeName(t: TypeName | undefined): string {
  const list = stringsOf(t?.names);
  const internal = list.length === 2 && list[0] === 'pg_catalog' ? SQL_TYPE_NAMES[list[1]!] : undefined;
  const base = internal ?? (list.filter((p) => p !== 'pg_catalog').join('.') || '?');
  return t?.arrayBounds ? `${base}[]` : base;
}

/** Every parse-tree node found anywhere below `value` (for nodes the model does not know). */
function nodesBelow(value: unknown, out: Node[] = []): Node[] {
  if (Array.isArray(value)) {
    for (const v of value) nodesBelow(v, out);
  } else if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && /^[A-Z]/.test(keys[0]!)) out.push(value as Node);
    else for (const v of Object.values(value)) nodesBelow(v, out);
  }
  return out;
}

function other(label: string, fields: unknown): Expr {
  const children: Expr[] = [];
  const queries: Query[] = [];
  for (const child of nodesBelow(fields)) {
    const select = nodeAs(child, 'SelectStmt');
    if (select) queries.push(toQuery(select));
    else children.push(toExpr(child));
  }
  return { kind: 'other', label, children, queries };
}

/** A missing operand (never produced by pg_get_expr text) reads as NULL. */
function operand(node: Node | undefined): Expr {
  return node ? toExpr(node) : { kind: 'const', value: null };
}

function subquery(node: Node | undefined): Query {
  return toQuery(nodeAs(node, 'SelectStmt') ?? {});
}

export function toExpr(node: Node): Expr {
  const t = tagged(node);
  switch (t.tag) {
    case 'A_Const':
      return { kind: 'const', value: constValue(t.fields) };
    case 'ColumnRef':
      return { kind: 'column', fields: stringsOf(t.fields.fields) };
    case 'ParamRef':
      return { kind: 'param', number: Number(t.fields.number ?? 0) };
    case 'FuncCall':
      return { kind: 'call', name: stringsOf(t.fields.funcname), args: (t.fields.args ?? []).map(toExpr) };
    case 'SQLValueFunction': {
      const op = t.fields.op ?? '';
      return { kind: 'sql-value', name: SQL_VALUE_NAMES[op] ?? op.toLowerCase() };
    }
    case 'TypeCast':
      return { kind: 'cast', arg: operand(t.fields.arg), type: typeName(t.fields.typeName) };
    case 'CollateClause':
      return operand(t.fields.arg);
    case 'BoolExpr': {
      const args = (t.fields.args ?? []).map(toExpr);
      if (t.fields.boolop === 'NOT_EXPR') return { kind: 'not', arg: args[0]! };
      return { kind: t.fields.boolop === 'AND_EXPR' ? 'and' : 'or', args };
    }
    case 'NullTest':
      return { kind: 'null-test', arg: operand(t.fields.arg), isNull: t.fields.nulltesttype === 'IS_NULL' };
    case 'BooleanTest':
      return { kind: 'bool-test', arg: operand(t.fields.arg), test: String(t.fields.booltesttype) };
    case 'CoalesceExpr':
      return { kind: 'coalesce', args: (t.fields.args ?? []).map(toExpr) };
    case 'A_ArrayExpr':
      return { kind: 'array', elements: (t.fields.elements ?? []).map(toExpr) };
    case 'SubLink': {
      const n = t.fields;
      return {
        kind: 'sublink',
        link: SUBLINK_KINDS[n.subLinkType ?? ''] ?? 'other',
        test: n.testexpr ? toExpr(n.testexpr) : null,
        op: n.operName ? stringsOf(n.operName).join('.') : n.subLinkType === 'ANY_SUBLINK' ? '=' : null,
        query: subquery(n.subselect),
      };
    }
    case 'A_Expr':
      return aExpr(t.fields);
    default:
      return other(t.tag, t.fields);
  }
}

function aExpr(n: A_Expr): Expr {
  const op = stringsOf(n.name).join('.');
  const left = operand(n.lexpr);
  switch (n.kind) {
    case 'AEXPR_OP':
      return { kind: 'op', op, left: n.lexpr ? left : null, right: operand(n.rexpr) };
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL':
      return { kind: 'op-any', op, all: n.kind === 'AEXPR_OP_ALL', left, right: operand(n.rexpr) };
    case 'AEXPR_IN':
      return { kind: 'in', negated: op === '<>', left, list: (nodeAs(n.rexpr, 'List')?.items ?? []).map(toExpr) };
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT':
      return { kind: 'distinct', negated: n.kind === 'AEXPR_NOT_DISTINCT', left, right: operand(n.rexpr) };
    case 'AEXPR_NULLIF':
      return { kind: 'nullif', left, right: operand(n.rexpr) };
    default:
      return other(String(n.kind), n);
  }
}

function fromItem(node: Node): FromItem | null {
  const range = nodeAs(node, 'RangeVar');
  if (range) {
    return { kind: 'relation', schema: range.schemaname ?? null, name: range.relname ?? '', alias: range.alias?.aliasname ?? null };
  }
  const join = nodeAs(node, 'JoinExpr');
  if (join) {
    const left = join.larg ? fromItem(join.larg) : null;
    const right = join.rarg ? fromItem(join.rarg) : null;
    if (!left || !right) return null;
    return { kind: 'join', left, right, on: join.quals ? toExpr(join.quals) : null, using: stringsOf(join.usingClause) };
  }
  const sub = nodeAs(node, 'RangeSubselect');
  if (sub) return { kind: 'subquery', query: subquery(sub.subquery), alias: sub.alias?.aliasname ?? null };
  const fn = nodeAs(node, 'RangeFunction');
  if (fn) {
    const first = nodeAs(fn.functions?.[0], 'List')?.items?.[0];
    if (!first) return null;
    return { kind: 'function', call: toExpr(first), alias: fn.alias?.aliasname ?? null };
  }
  return null;
}

export function toQuery(s: SelectStmt): Query {
  if (s.op && s.op !== 'SETOP_NONE') {
    return {
      targets: [],
      from: [],
      where: null,
      setOp: { op: s.op.replace('SETOP_', '').toLowerCase(), left: toQuery(s.larg ?? {}), right: toQuery(s.rarg ?? {}) },
      grouped: false,
    };
  }
  const targets = (s.targetList ?? []).map((t) => operand(nodeAs(t, 'ResTarget')?.val));
  const from = (s.fromClause ?? []).map(fromItem).filter((f): f is FromItem => f !== null);
  return {
    targets,
    from,
    where: s.whereClause ? toExpr(s.whereClause) : null,
    setOp: null,
    grouped: Boolean(s.groupClause || s.havingClause || s.limitCount),
  };
}
