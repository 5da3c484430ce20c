/**
 * The body of a function, read into the expression model: the values it can
 * RETURN, the queries it returns rows of, every statement it runs, and for
 * each of them the conditions known to hold when it runs — the IF conditions
 * on its path and the guards it has passed (`IF NOT <check> THEN RAISE …`,
 * `IF v IS NULL THEN RETURN`). PL/pgSQL variables are replaced by the value
 * last assigned to them (`SELECT … INTO v`, `v := …`, `FOUND`), so a
 * condition on a variable becomes a condition on the query that filled it.
 * SQL bodies are parsed by the SQL grammar, PL/pgSQL bodies by the PL/pgSQL
 * grammar whose embedded expressions are SQL again. Pure: parsing only, no
 * judgement.
 */
import type { RoutineInfo } from '../catalog/types.js';
import {
  datumDefault,
  datumName,
  nodeAs,
  PLPGSQL_ERROR_LEVEL,
  type Node,
  type PlpgsqlExpr,
  type PlpgsqlStatement,
  type PlpgsqlStatementFields,
} from '../sql/parse-tree.js';
import type { SqlParser } from '../sql/parser.js';
import { conjuncts, negation } from './logic.js';
import { toExpr, toQuery, type Expr, type Query } from './model.js';
import { toWrite, type Write } from './writes.js';

export interface Return {
  expr: Expr;
  /** Conditions known to hold at this RETURN: IF conditions on its path and guards passed before it. */
  conditions: Expr[];
}

/** One SQL statement of the body (or an expression it evaluates), with what is known to hold when it runs. */
export interface BodyStatement {
  /** A SELECT (also an expression evaluated as `SELECT <expr>`); null for a write. */
  query: Query | null;
  write: Write | null;
  facts: Expr[];
}

export interface ParsedBody {
  paramNames: (string | null)[];
  /** The DEFAULT of each parameter, for calls that leave it out; null when it has none. */
  paramDefaults: (Expr | null)[];
  returns: Return[];
  /** Final SELECT with a FROM (SQL) or RETURN QUERY (plpgsql). */
  queries: Query[];
  /** Every statement, in order. */
  statements: BodyStatement[];
  /** Runs dynamic SQL (EXECUTE): what it touches cannot be known. */
  dynamic: boolean;
  /** Why the body cannot be analysed as a helper (no value it returns could be found, …), or null. */
  problem: string | null;
  /** Why its statements cannot be read at all (not SQL or PL/pgSQL, a syntax the parser refuses), or null. */
  unreadable: string | null;
}

interface Parameter {
  name: string | null;
  default: Expr | null;
}

/** The input parameters of a function, in call order, with their defaults. */
function parametersOf(fn: RoutineInfo, parser: SqlParser): Parameter[] {
  for (const list of [fn.arguments, fn.identityArguments]) {
    if (list === undefined) continue;
    try {
      const tree = parser.parse(`CREATE FUNCTION tenantguard_args(${list}) RETURNS void LANGUAGE sql AS ''`);
      const params = nodeAs(tree.stmts?.[0]?.stmt, 'CreateFunctionStmt')?.parameters ?? [];
      return params
        .flatMap((p) => nodeAs(p, 'FunctionParameter') ?? [])
        .filter((p) => p.mode !== 'FUNC_PARAM_OUT' && p.mode !== 'FUNC_PARAM_TABLE')
        .map((p) => ({ name: p.name ?? null, default: p.defexpr ? toExpr(p.defexpr) : null }));
    } catch {
      // fall back to the identity arguments (no defaults)
    }
  }
  return [];
}

/** Parameter names of a function, in order (null for an unnamed one). */
export function paramNames(fn: RoutineInfo, parser: SqlParser): (string | null)[] {
  return parametersOf(fn, parser).map((p) => p.name);
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

function statementOf(node: Node, facts: Expr[]): BodyStatement | null {
  const select = nodeAs(node, 'SelectStmt');
  if (select) return { query: toQuery(select), write: null, facts };
  const write = toWrite(node);
  return write ? { query: null, write, facts } : null;
}

type Statements = Omit<ParsedBody, 'paramNames' | 'paramDefaults' | 'unreadable'>;

function sqlBody(fn: RoutineInfo, parser: SqlParser): Statements {
  const stmts = (parser.parse(fn.body).stmts ?? []).flatMap((s) => (s.stmt ? [s.stmt] : []));
  const statements = stmts.flatMap((s) => statementOf(s, []) ?? []);
  const base = { statements, dynamic: false };
  const last = nodeAs(stmts.at(-1), 'SelectStmt');
  if (!last) return { ...base, returns: [], queries: [], problem: 'its body does not end in a SELECT' };
  const q = toQuery(last);
  if (isBareSelect(q)) return { ...base, returns: [{ expr: q.targets[0]!, conditions: [] }], queries: [], problem: null };
  return { ...base, returns: [], queries: [q], problem: null };
}

/** Replaces PL/pgSQL variables by their values everywhere in a model value (expression, query, write). */
function substitute<T>(value: T, vars: ReadonlyMap<string, Expr>): T {
  if (vars.size === 0) return value;
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (o.kind === 'column' && Array.isArray(o.fields)) {
      const replaced = variableValue(o.fields as string[], vars);
      if (replaced) return replaced;
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, visit(x)]));
  };
  return visit(value) as T;
}

/** `v` or `v.field` of a variable with a known value. */
function variableValue(fields: string[], vars: ReadonlyMap<string, Expr>): Expr | null {
  const value = vars.get(fields[0]!.toLowerCase());
  if (!value) return null;
  if (fields.length === 1) return value;
  if (fields.length !== 2 || value.kind !== 'sublink' || value.link !== 'expr') return null;
  // a field of a row filled by SELECT … INTO: that column of the query
  return { ...value, query: { ...value.query, targets: [{ kind: 'column', fields: [fields[1]!] }] } };
}

/** A row or value filled by a query with FROM: NULL exactly when no row was found (or its value is NULL). */
function rowFound(e: Expr): Expr | null {
  if (e.kind !== 'null-test' || e.arg.kind !== 'sublink' || e.arg.link !== 'expr') return null;
  const q = e.arg.query;
  if (q.setOp || q.from.length === 0 || q.grouped) return null;
  if (q.targets.some((t) => t.kind === 'call' && t.name.at(-1)?.toLowerCase() === 'count')) return null;
  const found: Expr = { kind: 'sublink', link: 'exists', test: null, op: null, query: q };
  return e.isNull ? { kind: 'not', arg: found } : found;
}

/** After substitution, `(SELECT … FROM …) IS NULL` reads as "no row found". */
function foundRows(value: Expr): Expr {
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (!v || typeof v !== 'object') return v;
    const found = rowFound(v as Expr);
    if (found) return found;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, visit(x)]));
  };
  return visit(value) as Expr;
}

interface State {
  vars: Map<string, Expr>;
  facts: Expr[];
}

interface Walked {
  state: State;
  /** Every path through the statements ends in RETURN or a raised error. */
  exits: boolean;
}

function plpgsqlBody(fn: RoutineInfo, parser: SqlParser): Statements {
  const func = parser.parsePlpgsqlFunction(fn.body, fn.identityArguments, fn.returns);
  const datums = func?.datums ?? [];
  const names = datums.map(datumName);
  const returns: Return[] = [];
  const queries: Query[] = [];
  const statements: BodyStatement[] = [];
  let dynamic = false;
  let problem: string | null = null;

  const read = (e: PlpgsqlExpr | undefined, state: State): Expr | null => {
    if (!e) return null;
    const text = String(e.PLpgSQL_expr.query);
    const q = selectOf(`SELECT ${e.PLpgSQL_expr.parseMode === 3 ? assignedValue(text) : text}`, parser);
    return q ? foundRows(substitute(q.targets[0]!, state.vars)) : null;
  };
  /** An expression evaluated by the body reads what its subqueries read. */
  const evaluated = (expr: Expr | null, state: State): void => {
    if (expr) statements.push({ query: { targets: [expr], from: [], where: null, setOp: null, grouped: false }, write: null, facts: state.facts });
  };
  /** Embedded SQL: its statements, with variables replaced. */
  const sql = (e: PlpgsqlExpr | undefined, state: State): BodyStatement[] => {
    if (!e) return [];
    const text = String(e.PLpgSQL_expr.query);
    let stmts: ReturnType<SqlParser['parse']>['stmts'] = [];
    try {
      if (e.PLpgSQL_expr.parseMode === 0 || e.PLpgSQL_expr.parseMode === undefined) stmts = parser.parse(text).stmts ?? [];
    } catch {
      // a fragment the SQL grammar cannot read on its own (a cursor target) touches no table
    }
    const found = stmts.flatMap((s) => (s.stmt ? (statementOf(s.stmt, state.facts) ?? []) : []));
    const result = found.map((s) => ({ ...s, query: s.query && substitute(s.query, state.vars), write: s.write && substitute(s.write, state.vars) }));
    statements.push(...result);
    return result;
  };
  const assign = (state: State, name: string, value: Expr | null): void => {
    if (value) state.vars.set(name.toLowerCase(), value);
    else state.vars.delete(name.toLowerCase());
  };
  const withFacts = (state: State, facts: Expr[]): State => ({ vars: new Map(state.vars), facts: [...state.facts, ...facts] });
  /** Statements of a kind not followed step by step: whatever SQL they hold is read with the facts before them. */
  const deep = (v: unknown, state: State): void => {
    if (Array.isArray(v)) return v.forEach((x) => deep(x, state));
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.PLpgSQL_stmt_dynexecute || o.PLpgSQL_stmt_dynfors) dynamic = true;
    if (o.PLpgSQL_expr) {
      const e = o as unknown as PlpgsqlExpr;
      try {
        if (e.PLpgSQL_expr.parseMode === 0 || e.PLpgSQL_expr.parseMode === undefined) sql(e, state);
        else evaluated(read(e, state), state);
      } catch {
        // a fragment the SQL grammar cannot read on its own (a cursor target) touches no table
      }
      return;
    }
    Object.values(o).forEach((x) => deep(x, state));
  };

  const walk = (stmts: PlpgsqlStatement[] | undefined, start: State, handled: boolean): Walked => {
    let state = start;
    for (const s of stmts ?? []) {
      const [type] = Object.keys(s);
      const n: PlpgsqlStatementFields = s[type!]!;
      switch (type) {
        case 'PLpgSQL_stmt_block': {
          const inner = walk(n.body, state, handled || n.exceptions !== undefined);
          for (const h of n.exceptions?.PLpgSQL_exception_block?.exc_list ?? []) walk(h.PLpgSQL_exception?.action, withFacts(start, []), handled);
          if (inner.exits && !n.exceptions) return inner;
          state = n.exceptions ? { vars: new Map(), facts: state.facts } : inner.state;
          break;
        }
        case 'PLpgSQL_stmt_if': {
          const branches: { conds: Expr[]; body: PlpgsqlStatement[] | undefined }[] = [];
          const negated: Expr[] = [];
          const arms = [{ cond: n.cond, body: n.then_body }, ...(n.elsif_list ?? []).map((e) => ({ cond: e.PLpgSQL_if_elsif.cond, body: e.PLpgSQL_if_elsif.stmts }))];
          for (const arm of arms) {
            const cond = read(arm.cond, state);
            evaluated(cond, withFacts(state, negated));
            if (!cond) {
              branches.push({ conds: [...negated], body: arm.body });
              continue;
            }
            branches.push({ conds: [...negated, ...conjuncts(cond)], body: arm.body });
            negated.push(...conjuncts(negation(cond)));
          }
          branches.push({ conds: negated, body: n.else_body });
          const walked = branches.map((b) => walk(b.body, withFacts(state, b.conds), handled));
          const through = walked.filter((w) => !w.exits);
          if (through.length === 0) return { state, exits: true };
          if (through.length === 1) state = through[0]!.state;
          else {
            const added = through.map((w) => w.state.facts.slice(state.facts.length));
            const common = [...state.vars].filter(([k, v]) => through.every((w) => w.state.vars.get(k) === v));
            const either: Expr = { kind: 'or', args: added.map((a) => (a.length === 1 ? a[0]! : { kind: 'and', args: a })) };
            state = { vars: new Map(common), facts: added.some((a) => a.length === 0) ? state.facts : [...state.facts, either] };
          }
          break;
        }
        case 'PLpgSQL_stmt_loop':
        case 'PLpgSQL_stmt_while':
        case 'PLpgSQL_stmt_fori':
        case 'PLpgSQL_stmt_fors':
        case 'PLpgSQL_stmt_foreach_a': {
          deep({ ...n, body: undefined }, state);
          // a value assigned inside the loop is not known after it (nor in the next round)
          const loop = walk(n.body, { vars: new Map(), facts: state.facts }, handled);
          for (const name of loop.state.vars.keys()) state.vars.delete(name);
          state.vars.delete('found');
          break;
        }
        case 'PLpgSQL_stmt_return':
          if (n.expr) {
            const value = read(n.expr, state);
            evaluated(value, state);
            if (value) returns.push({ expr: value, conditions: state.facts });
          } else if (n.retvarno !== undefined) {
            const value = state.vars.get(names[n.retvarno]?.toLowerCase() ?? '');
            if (value) returns.push({ expr: value, conditions: state.facts });
          }
          return { state, exits: true };
        case 'PLpgSQL_stmt_return_query': {
          if (!n.query) {
            dynamic = true;
            problem = 'it returns a dynamic query';
            break;
          }
          for (const st of sql(n.query, state)) if (st.query) queries.push(st.query);
          break;
        }
        case 'PLpgSQL_stmt_assign': {
          const value = read(n.expr, state);
          evaluated(value, state);
          assign(state, names[n.varno!] ?? '', value);
          break;
        }
        case 'PLpgSQL_stmt_perform':
        case 'PLpgSQL_stmt_execsql': {
          const found = sql(n.sqlstmt ?? n.expr, state);
          const q = found.length === 1 ? found[0]!.query : null;
          assign(state, 'found', q && !q.setOp ? { kind: 'sublink', link: 'exists', test: null, op: null, query: q } : null);
          if (!n.into) break;
          const fields = n.target?.PLpgSQL_row?.fields?.map((f) => f.name) ?? [n.target?.PLpgSQL_var?.refname ?? n.target?.PLpgSQL_rec?.refname ?? ''];
          const whole = Boolean(n.target?.PLpgSQL_rec);
          fields.forEach((name, i) => {
            const target = q && !q.setOp ? q.targets[i] : undefined;
            if (!q || !target) return assign(state, name, null);
            const single: Query = whole ? q : { ...q, targets: [target] };
            assign(state, name, isBareSelect(single) ? target : { kind: 'sublink', link: 'expr', test: null, op: null, query: single });
          });
          break;
        }
        case 'PLpgSQL_stmt_raise':
          deep(n, state);
          if (!handled && (n.elog_level === undefined || n.elog_level >= PLPGSQL_ERROR_LEVEL)) return { state, exits: true };
          break;
        case 'PLpgSQL_stmt_dynexecute':
        case 'PLpgSQL_stmt_dynfors':
          dynamic = true;
          problem = 'it runs dynamic SQL';
          deep(n, state);
          break;
        default:
          deep(n, state);
      }
    }
    return { state, exits: false };
  };

  const initial: State = { vars: new Map(), facts: [] };
  datums.forEach((d, i) => {
    const text = datumDefault(d);
    if (text) assign(initial, names[i]!, read({ PLpgSQL_expr: { query: text, parseMode: 2 } }, initial));
  });
  walk(func?.action ? [func.action] : [], initial, false);
  return { returns, queries, statements, dynamic, problem };
}

/** Reads a function's body; `problem` says why it cannot be analysed. */
export function parseBody(fn: RoutineInfo, parser: SqlParser): ParsedBody {
  const params = parametersOf(fn, parser);
  const head = { paramNames: params.map((p) => p.name), paramDefaults: params.map((p) => p.default) };
  const none = { returns: [], queries: [], statements: [], dynamic: false };
  const unreadable = (why: string): ParsedBody => ({ ...head, ...none, problem: why, unreadable: why });
  let body: ParsedBody;
  try {
    if (fn.language === 'sql') body = { ...head, ...sqlBody(fn, parser), unreadable: null };
    else if (fn.language === 'plpgsql') body = { ...head, ...plpgsqlBody(fn, parser), unreadable: null };
    else body = unreadable(`it is written in ${fn.language}`);
  } catch {
    body = unreadable('its body could not be parsed');
  }
  if (!body.problem && body.returns.length === 0 && body.queries.length === 0) body.problem = 'no value it returns could be found';
  return body;
}
