/**
 * A small typed model of the Postgres expressions policies are made of,
 * converted from libpg-query's raw parse tree (the real Postgres grammar).
 * Only the shapes the analysis reasons about get their own variant; every
 * other node becomes `other` and keeps its children, so nothing it contains
 * (a column, a context call, a subquery) is lost to the analysis.
 */

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

type Raw = Record<string, any>;

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

function names(list: Raw[] | undefined): string[] {
  return (list ?? []).map((n) => (n.String ? String(n.String.sval) : n.A_Star ? '*' : '?'));
}

function constValue(c: Raw): string | number | boolean | null {
  if (c.isnull) return null;
  if (c.ival) return Number(c.ival.ival ?? 0);
  if (c.fval) return Number(c.fval.fval);
  if (c.boolval) return Boolean(c.boolval.boolval);
  if (c.sval) return String(c.sval.sval ?? '');
  if (c.bsval) return String(c.bsval.bsval ?? '');
  return null;
}

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

function typeName(t: Raw | undefined): string {
  const list = names(t?.names);
  const internal = list.length === 2 && list[0] === 'pg_catalog' ? SQL_TYPE_NAMES[list[1]!] : undefined;
  const base = internal ?? (list.filter((p) => p !== 'pg_catalog').join('.') || '?');
  return t?.arrayBounds ? `${base}[]` : base;
}

/** Every raw Node found anywhere below `value` (for nodes the model does not know). */
function rawChildren(value: unknown, out: Raw[] = []): Raw[] {
  if (Array.isArray(value)) {
    for (const v of value) rawChildren(v, out);
  } else if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && /^[A-Z]/.test(keys[0]!)) out.push(value as Raw);
    else for (const v of Object.values(value)) rawChildren(v, out);
  }
  return out;
}

function other(label: string, raw: Raw): Expr {
  const children: Expr[] = [];
  const queries: Query[] = [];
  for (const child of rawChildren(raw)) {
    if (child.SelectStmt) queries.push(toQuery(child.SelectStmt));
    else children.push(toExpr(child));
  }
  return { kind: 'other', label, children, queries };
}

export function toExpr(node: Raw): Expr {
  const [type] = Object.keys(node);
  const n = node[type!] as Raw;
  switch (type) {
    case 'A_Const':
      return { kind: 'const', value: constValue(n) };
    case 'ColumnRef':
      return { kind: 'column', fields: names(n.fields) };
    case 'ParamRef':
      return { kind: 'param', number: Number(n.number ?? 0) };
    case 'FuncCall':
      return { kind: 'call', name: names(n.funcname), args: (n.args ?? []).map(toExpr) };
    case 'SQLValueFunction':
      return { kind: 'sql-value', name: SQL_VALUE_NAMES[n.op] ?? String(n.op).toLowerCase() };
    case 'TypeCast':
      return { kind: 'cast', arg: toExpr(n.arg), type: typeName(n.typeName) };
    case 'CollateClause':
      return toExpr(n.arg);
    case 'BoolExpr': {
      const args = (n.args ?? []).map(toExpr);
      if (n.boolop === 'NOT_EXPR') return { kind: 'not', arg: args[0]! };
      return { kind: n.boolop === 'AND_EXPR' ? 'and' : 'or', args };
    }
    case 'NullTest':
      return { kind: 'null-test', arg: toExpr(n.arg), isNull: n.nulltesttype === 'IS_NULL' };
    case 'BooleanTest':
      return { kind: 'bool-test', arg: toExpr(n.arg), test: String(n.booltesttype) };
    case 'CoalesceExpr':
      return { kind: 'coalesce', args: (n.args ?? []).map(toExpr) };
    case 'A_ArrayExpr':
      return { kind: 'array', elements: (n.elements ?? []).map(toExpr) };
    case 'SubLink':
      return {
        kind: 'sublink',
        link: SUBLINK_KINDS[n.subLinkType] ?? 'other',
        test: n.testexpr ? toExpr(n.testexpr) : null,
        op: n.operName ? names(n.operName).join('.') : n.subLinkType === 'ANY_SUBLINK' ? '=' : null,
        query: toQuery(n.subselect.SelectStmt),
      };
    case 'A_Expr':
      return aExpr(n, node);
    default:
      return other(type ?? '?', n);
  }
}

function aExpr(n: Raw, node: Raw): Expr {
  const op = names(n.name).join('.');
  const left = n.lexpr ? toExpr(n.lexpr) : null;
  switch (n.kind) {
    case 'AEXPR_OP':
      return { kind: 'op', op, left, right: toExpr(n.rexpr) };
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL':
      return { kind: 'op-any', op, all: n.kind === 'AEXPR_OP_ALL', left: left!, right: toExpr(n.rexpr) };
    case 'AEXPR_IN':
      return { kind: 'in', negated: op === '<>', left: left!, list: (n.rexpr?.List?.items ?? []).map(toExpr) };
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT':
      return { kind: 'distinct', negated: n.kind === 'AEXPR_NOT_DISTINCT', left: left!, right: toExpr(n.rexpr) };
    case 'AEXPR_NULLIF':
      return { kind: 'nullif', left: left!, right: toExpr(n.rexpr) };
    default:
      return other(String(n.kind), node.A_Expr);
  }
}

function fromItem(node: Raw): FromItem | null {
  if (node.RangeVar) {
    const r = node.RangeVar;
    return { kind: 'relation', schema: r.schemaname ?? null, name: r.relname, alias: r.alias?.aliasname ?? null };
  }
  if (node.JoinExpr) {
    const j = node.JoinExpr;
    const left = fromItem(j.larg);
    const right = fromItem(j.rarg);
    if (!left || !right) return null;
    return { kind: 'join', left, right, on: j.quals ? toExpr(j.quals) : null, using: names(j.usingClause) };
  }
  if (node.RangeSubselect) {
    const s = node.RangeSubselect;
    return { kind: 'subquery', query: toQuery(s.subquery.SelectStmt), alias: s.alias?.aliasname ?? null };
  }
  if (node.RangeFunction) {
    const f = node.RangeFunction;
    const first = f.functions?.[0]?.List?.items?.[0];
    if (!first) return null;
    return { kind: 'function', call: toExpr(first), alias: f.alias?.aliasname ?? null };
  }
  return null;
}

export function toQuery(s: Raw): Query {
  if (s.op && s.op !== 'SETOP_NONE') {
    return {
      targets: [],
      from: [],
      where: null,
      setOp: { op: String(s.op).replace('SETOP_', '').toLowerCase(), left: toQuery(s.larg), right: toQuery(s.rarg) },
      grouped: false,
    };
  }
  const targets = (s.targetList ?? []).map((t: Raw) => toExpr(t.ResTarget.val));
  const from = (s.fromClause ?? []).map(fromItem).filter((f: FromItem | null): f is FromItem => f !== null);
  return {
    targets,
    from,
    where: s.whereClause ? toExpr(s.whereClause) : null,
    setOp: null,
    grouped: Boolean(s.groupClause || s.havingClause || s.limitCount),
  };
}

/** The expression of `SELECT <expr>` as parsed. */
export function expressionOf(parseResult: Raw): Expr {
  const select = parseResult.stmts?.[0]?.stmt?.SelectStmt;
  const target = select?.targetList?.[0]?.ResTarget?.val;
  if (!target) throw new Error('not an expression');
  return toExpr(target);
}
