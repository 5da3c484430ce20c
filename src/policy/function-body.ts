/**
 * The body of a helper function, read into the expression model: the values
 * it can RETURN (with the IF conditions on the way to each), the queries it
 * returns rows of, and its parameter names. SQL bodies are parsed by the SQL
 * grammar, PL/pgSQL bodies by the PL/pgSQL grammar whose embedded
 * expressions are SQL again. Pure: parsing only, no judgement.
 */
import type { RoutineInfo } from '../catalog/types.js';
import { datumName, nodeAs, type PlpgsqlStatement } from '../sql/parse-tree.js';
import type { SqlParser } from '../sql/parser.js';
import { toQuery, type Expr, type Query } from './model.js';

export interface Return {
  expr: Expr;
  /** IF conditions on the path to this RETURN. */
  conditions: Expr[];
}

export interface ParsedBody {
  paramNames: (string | null)[];
  returns: Return[];
  /** Final SELECT with a FROM (SQL) or RETURN QUERY (plpgsql). */
  queries: Query[];
  /** Why the body cannot be analysed, or null. */
  problem: string | null;
}

/** Parameter names of a function, in order (null for an unnamed one), from its identity arguments. */
export function paramNames(fn: RoutineInfo, parser: SqlParser): (string | null)[] {
  try {
    const tree = parser.parse(`CREATE FUNCTION tenantguard_args(${fn.identityArguments}) RETURNS void LANGUAGE sql AS ''`);
    const params = nodeAs(tree.stmts?.[0]?.stmt, 'CreateFunctionStmt')?.parameters ?? [];
    return params.map((p) => nodeAs(p, 'FunctionParameter')?.name ?? null);
  } catch {
    return [];
  }
}

/** The last SELECT of some SQL text, or null when it does not end in one. */
export function selectOf(text: string, parser: SqlParser): Query | null {
  const select = nodeAs(parser.parse(text).stmts?.at(-1)?.stmt, 'SelectStmt');
  return select ? toQuery(select) : null;
}

/** `SELECT <expr>` with nothing else: the expression is the value. */
export function isBareSelect(q: Query): boolean {
  return !q.setOp && q.from.length === 0 && q.where === null && q.targets.length === 1;
}

/** The right-hand side of a PL/pgSQL assignment text (`x := <expr>`). */
export function assignedValue(text: string): string {
  return text.replace(/^\s*[\w."]+\s*:?=\s*/, '');
}

function sqlBody(fn: RoutineInfo, parser: SqlParser): Omit<ParsedBody, 'paramNames'> {
  const q = selectOf(fn.body, parser);
  if (!q) return { returns: [], queries: [], problem: 'its body does not end in a SELECT' };
  if (isBareSelect(q)) return { returns: [{ expr: q.targets[0]!, conditions: [] }], queries: [], problem: null };
  return { returns: [], queries: [q], problem: null };
}

function plpgsqlBody(fn: RoutineInfo, parser: SqlParser): Omit<ParsedBody, 'paramNames'> {
  const func = parser.parsePlpgsqlFunction(fn.body, fn.identityArguments, fn.returns);
  const datums = (func?.datums ?? []).map(datumName);
  const assigned = new Map<string, Expr[]>();
  const returns: Return[] = [];
  const queries: Query[] = [];
  let problem: string | null = null;
  const expr = (text: string): Expr => selectOf(`SELECT ${text}`, parser)!.targets[0]!;
  const assign = (name: string, value: Expr) => assigned.set(name, [...(assigned.get(name) ?? []), value]);
  const walk = (stmts: PlpgsqlStatement[] | undefined, conditions: Expr[]): void => {
    for (const s of stmts ?? []) {
      const [type] = Object.keys(s);
      const n = s[type!]!;
      switch (type) {
        case 'PLpgSQL_stmt_block':
          walk(n.body, conditions);
          break;
        case 'PLpgSQL_stmt_if': {
          const cond = expr(n.cond!.PLpgSQL_expr.query);
          walk(n.then_body, [...conditions, cond]);
          const negated: Expr[] = [{ kind: 'not', arg: cond }];
          for (const e of n.elsif_list ?? []) {
            const c = expr(e.PLpgSQL_if_elsif.cond.PLpgSQL_expr.query);
            walk(e.PLpgSQL_if_elsif.stmts, [...conditions, ...negated, c]);
            negated.push({ kind: 'not', arg: c });
          }
          walk(n.else_body, [...conditions, ...negated]);
          break;
        }
        case 'PLpgSQL_stmt_loop':
        case 'PLpgSQL_stmt_while':
        case 'PLpgSQL_stmt_fori':
        case 'PLpgSQL_stmt_fors':
        case 'PLpgSQL_stmt_foreach_a':
          walk(n.body, conditions);
          break;
        case 'PLpgSQL_stmt_return':
          if (n.expr) returns.push({ expr: expr(n.expr.PLpgSQL_expr.query), conditions });
          else if (n.retvarno !== undefined) {
            for (const value of assigned.get(datums[n.retvarno] ?? '') ?? []) returns.push({ expr: value, conditions });
          }
          break;
        case 'PLpgSQL_stmt_return_query':
          if (n.query) queries.push(selectOf(n.query.PLpgSQL_expr.query, parser)!);
          else problem = 'it returns a dynamic query';
          break;
        case 'PLpgSQL_stmt_assign':
          assign(datums[n.varno!] ?? '', expr(assignedValue(String(n.expr!.PLpgSQL_expr.query))));
          break;
        case 'PLpgSQL_stmt_execsql': {
          if (!n.into) break;
          const q = selectOf(n.sqlstmt!.PLpgSQL_expr.query, parser);
          if (!q || q.setOp) break;
          const fields = n.target?.PLpgSQL_row?.fields ?? (n.target?.PLpgSQL_var ? [{ name: n.target.PLpgSQL_var.refname }] : []);
          fields.forEach((f, i) => {
            const target = q.targets[i];
            if (!target) return;
            const single: Query = { ...q, targets: [target] };
            assign(f.name, isBareSelect(single) ? target : { kind: 'sublink', link: 'expr', test: null, op: null, query: single });
          });
          break;
        }
        case 'PLpgSQL_stmt_dynexecute':
        case 'PLpgSQL_stmt_dynfors':
          problem = 'it runs dynamic SQL';
          break;
      }
    }
  };
  walk(func?.action ? [func.action] : [], []);
  return { returns, queries, problem };
}

/** Reads a function's body; `problem` says why it cannot be analysed. */
export function parseBody(fn: RoutineInfo, parser: SqlParser): ParsedBody {
  const names = paramNames(fn, parser);
  let body: ParsedBody;
  try {
    if (fn.language === 'sql') body = { paramNames: names, ...sqlBody(fn, parser) };
    else if (fn.language === 'plpgsql') body = { paramNames: names, ...plpgsqlBody(fn, parser) };
    else body = { paramNames: names, returns: [], queries: [], problem: `it is written in ${fn.language}` };
  } catch {
    body = { paramNames: names, returns: [], queries: [], problem: 'its body could not be parsed' };
  }
  if (!body.problem && body.returns.length === 0 && body.queries.length === 0) body.problem = 'no value it returns could be found';
  return body;
}
