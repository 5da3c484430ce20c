/**
 * Typed access to the Postgres parse tree (libpg-query's JSON, typed by
 * @pgsql/types). Every node is an object with one key, its tag
 * (`{ SelectStmt: {...} }`); fields holding their default value (0, false,
 * empty) are left out, so every field is optional. PL/pgSQL trees, which
 * @pgsql/types does not describe, get the few shapes read here.
 */
import type { A_Const, Node, ParseResult } from 'libpg-query';

export type { A_Const, A_Expr, FuncCall, Node, ParseResult, RangeVar, SelectStmt, TypeName } from 'libpg-query';

type TagsOf<N> = N extends unknown ? keyof N : never;

/** Every node tag: `SelectStmt`, `ColumnRef`, `A_Const`, … */
export type NodeTag = TagsOf<Node>;

/** The fields of a node with the given tag. */
export type NodeOf<T extends NodeTag> = Extract<Node, { [K in T]: unknown }>[T];

/** A node as a discriminated union: `switch (t.tag)` narrows `t.fields`. */
export type Tagged = { [T in NodeTag]: { tag: T; fields: NodeOf<T> } }[NodeTag];

/** The node's tag and fields, for a `switch` over its tag. */
export function tagged(node: Node): Tagged {
  const tag = tagOf(node);
  return { tag, fields: (node as Record<string, unknown>)[tag] } as Tagged;
}

/** The tag of a node. */
export function tagOf(node: Node): NodeTag {
  return Object.keys(node)[0] as NodeTag;
}

/** The fields of `node` when it has the tag, else undefined. */
export function nodeAs<T extends NodeTag>(node: Node | null | undefined, tag: T): NodeOf<T> | undefined {
  if (!node || typeof node !== 'object' || !(tag in node)) return undefined;
  return (node as unknown as { [K in T]: NodeOf<T> })[tag];
}

/** The values of a list of String nodes (names: `funcname`, `fields`, `names`); `*` for A_Star. */
export function stringsOf(list: readonly Node[] | undefined): string[] {
  return (list ?? []).map((n) => nodeAs(n, 'String')?.sval ?? (nodeAs(n, 'A_Star') ? '*' : '?'));
}

/** The value of a constant as JavaScript sees it (numbers as numbers, NULL as null). */
export function constValue(c: A_Const): string | number | boolean | null {
  if (c.isnull) return null;
  if (c.ival) return Number(c.ival.ival ?? 0);
  if (c.fval) return Number(c.fval.fval);
  if (c.boolval) return Boolean(c.boolval.boolval);
  if (c.sval) return String(c.sval.sval ?? '');
  if (c.bsval) return String(c.bsval.bsval ?? '');
  return null;
}

/** A PL/pgSQL expression or embedded SQL statement, as its text. */
export interface PlpgsqlExpr {
  PLpgSQL_expr: {
    query: string;
    /** 0 (or absent): a whole SQL statement; 2: an expression; 3: an assignment `x := …`. */
    parseMode?: number;
  };
}

export interface PlpgsqlRow {
  refname?: string;
  fields?: { name: string; varno: number }[];
}

/** A variable, record or row: its name, and for a variable the `DECLARE … := <default>`. */
export type PlpgsqlDatum =
  | { PLpgSQL_var: { refname: string; default_val?: PlpgsqlExpr } }
  | { PLpgSQL_rec: { refname: string } }
  | { PLpgSQL_row: PlpgsqlRow };

/** The fields the analysis reads from PL/pgSQL statements, whatever their tag. */
export interface PlpgsqlStatementFields {
  body?: PlpgsqlStatement[];
  cond?: PlpgsqlExpr;
  then_body?: PlpgsqlStatement[];
  elsif_list?: { PLpgSQL_if_elsif: { cond: PlpgsqlExpr; stmts?: PlpgsqlStatement[] } }[];
  else_body?: PlpgsqlStatement[];
  expr?: PlpgsqlExpr;
  retvarno?: number;
  query?: PlpgsqlExpr;
  varno?: number;
  sqlstmt?: PlpgsqlExpr;
  into?: boolean;
  target?: { PLpgSQL_row?: PlpgsqlRow; PLpgSQL_var?: { refname: string }; PLpgSQL_rec?: { refname: string } };
  /** RAISE: the level (`elog.h`: 21 and above is an error); absent for a bare `RAISE;` that re-raises. */
  elog_level?: number;
  /** BEGIN … EXCEPTION: the handlers. */
  exceptions?: { PLpgSQL_exception_block?: { exc_list?: { PLpgSQL_exception?: { action?: PlpgsqlStatement[] } }[] } };
}

/** The lowest RAISE level that is an error (ERROR in Postgres's elog.h); lower levels only report. */
export const PLPGSQL_ERROR_LEVEL = 21;

/** One statement: `{ PLpgSQL_stmt_if: {...} }`. */
export type PlpgsqlStatement = Record<string, PlpgsqlStatementFields>;

export interface PlpgsqlFunction {
  datums?: PlpgsqlDatum[];
  action?: PlpgsqlStatement;
}

export interface PlpgsqlParseResult {
  plpgsql_funcs?: { PLpgSQL_function: PlpgsqlFunction }[];
}

/** The default value of a declared PL/pgSQL variable, as text. */
export function datumDefault(datum: PlpgsqlDatum | undefined): string | null {
  return datum && 'PLpgSQL_var' in datum ? (datum.PLpgSQL_var.default_val?.PLpgSQL_expr.query ?? null) : null;
}

/** The name of a PL/pgSQL datum (variable, record or row). */
export function datumName(datum: PlpgsqlDatum | undefined): string {
  if (!datum) return '';
  const fields = Object.values(datum)[0] as { refname?: string } | undefined;
  return fields?.refname ?? '';
}
