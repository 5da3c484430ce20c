/**
 * Helper functions in policies (`has_role_on_account(account_id)`,
 * `team_id IN (SELECT get_teams_for_user())`, `current_org_id()`): their
 * SQL or PL/pgSQL body is parsed and analysed with the arguments bound to
 * the caller's values. A SECURITY DEFINER body runs as its owner, so the RLS
 * of the tables it reads is judged for the owner, not the caller.
 */
import type { RoutineInfo } from '../catalog/types.js';
import type { Env, SetPin } from './env.js';
import { toQuery, type Expr, type Query } from './model.js';
import type { PolicyParser } from './parser.js';
import { classify } from './predicate.js';
import { printExpr } from './print.js';
import { existsVerdict, setQueryPin } from './subquery.js';
import { evalTerm, type Term } from './terms.js';
import { anyOf, open, unknown, type Verdict } from './verdict.js';

interface Return {
  expr: Expr;
  /** IF conditions on the path to this RETURN. */
  conditions: Expr[];
}

interface ParsedBody {
  paramNames: (string | null)[];
  returns: Return[];
  /** Final SELECT with a FROM (SQL) or RETURN QUERY (plpgsql). */
  queries: Query[];
  /** Why the body cannot be analysed, or null. */
  problem: string | null;
}

const bodies = new WeakMap<RoutineInfo, ParsedBody>();
const MAX_DEPTH = 6;

export function paramNames(fn: RoutineInfo, parser: PolicyParser): (string | null)[] {
  try {
    const tree = parser.statements(`CREATE FUNCTION tenantguard_args(${fn.identityArguments}) RETURNS void LANGUAGE sql AS ''`);
    const params = tree.stmts?.[0]?.stmt?.CreateFunctionStmt?.parameters ?? [];
    return params.map((p: any) => p.FunctionParameter?.name ?? null);
  } catch {
    return [];
  }
}

function selectOf(text: string, parser: PolicyParser): Query | null {
  const select = parser.statements(text).stmts?.at(-1)?.stmt?.SelectStmt;
  return select ? toQuery(select) : null;
}

function isBareSelect(q: Query): boolean {
  return !q.setOp && q.from.length === 0 && q.where === null && q.targets.length === 1;
}

function sqlBody(fn: RoutineInfo, parser: PolicyParser): Omit<ParsedBody, 'paramNames'> {
  const q = selectOf(fn.body, parser);
  if (!q) return { returns: [], queries: [], problem: 'its body does not end in a SELECT' };
  if (isBareSelect(q)) return { returns: [{ expr: q.targets[0]!, conditions: [] }], queries: [], problem: null };
  return { returns: [], queries: [q], problem: null };
}

function plpgsqlBody(fn: RoutineInfo, parser: PolicyParser): Omit<ParsedBody, 'paramNames'> {
  let tag = '$tenantguard$';
  while (fn.body.includes(tag)) tag = tag.replace(/\$$/, 'x$');
  const tree = parser.plpgsql(
    `CREATE FUNCTION tenantguard_body(${fn.identityArguments}) RETURNS ${fn.returns || 'void'} LANGUAGE plpgsql AS ${tag}${fn.body}${tag}`,
  );
  const func = tree.plpgsql_funcs?.[0]?.PLpgSQL_function;
  const datums: string[] = (func?.datums ?? []).map((d: any) => (Object.values(d)[0] as any)?.refname ?? '');
  const assigned = new Map<string, Expr[]>();
  const returns: Return[] = [];
  const queries: Query[] = [];
  let problem: string | null = null;
  const expr = (text: string) => {
    const q = selectOf(`SELECT ${text}`, parser);
    return q!.targets[0]!;
  };
  const assign = (name: string, value: Expr) => assigned.set(name, [...(assigned.get(name) ?? []), value]);
  const walk = (stmts: any[], conditions: Expr[]): void => {
    for (const s of stmts ?? []) {
      const [type] = Object.keys(s);
      const n = s[type!];
      switch (type) {
        case 'PLpgSQL_stmt_block':
          walk(n.body, conditions);
          break;
        case 'PLpgSQL_stmt_if': {
          const cond = expr(n.cond.PLpgSQL_expr.query);
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
          assign(datums[n.varno] ?? '', expr(String(n.expr.PLpgSQL_expr.query).replace(/^\s*[\w."]+\s*:?=\s*/, '')));
          break;
        case 'PLpgSQL_stmt_execsql': {
          if (!n.into) break;
          const q = selectOf(n.sqlstmt.PLpgSQL_expr.query, parser);
          if (!q || q.setOp) break;
          const fields: { name: string }[] = n.target?.PLpgSQL_row?.fields ?? (n.target?.PLpgSQL_var ? [{ name: n.target.PLpgSQL_var.refname }] : []);
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
  walk([func?.action].filter(Boolean), []);
  return { returns, queries, problem };
}

function parsedBody(fn: RoutineInfo, parser: PolicyParser): ParsedBody {
  let body = bodies.get(fn);
  if (!body) {
    const names = paramNames(fn, parser);
    try {
      if (fn.language === 'sql') body = { paramNames: names, ...sqlBody(fn, parser) };
      else if (fn.language === 'plpgsql') body = { paramNames: names, ...plpgsqlBody(fn, parser) };
      else body = { paramNames: names, returns: [], queries: [], problem: `it is written in ${fn.language}` };
    } catch {
      body = { paramNames: names, returns: [], queries: [], problem: 'its body could not be parsed' };
    }
    if (!body.problem && body.returns.length === 0 && body.queries.length === 0) body.problem = 'no value it returns could be found';
    bodies.set(fn, body);
  }
  return body;
}

function signature(t: Term, env: Env): string {
  switch (t.t) {
    case 'column':
      return `c:${t.entry === env.focus ? 'focus' : 'other'}:${t.entry.table?.oid ?? t.entry.alias}:${t.column}:${t.cast ?? ''}`;
    case 'context':
      return `x:${t.ctx.source}:${t.ctx.setting ?? ''}:${t.ctx.principal}`;
    case 'const':
      return `k:${JSON.stringify(t.value)}`;
    case 'set':
      return `s:${t.pin}`;
    default:
      return 'o';
  }
}

interface Prepared {
  fn: RoutineInfo;
  body: ParsedBody;
  env: Env;
  key: string;
}

function prepare(fn: RoutineInfo, call: Extract<Expr, { kind: 'call' }>, env: Env, purpose: string): Prepared | string {
  const id = `${fn.schema}.${fn.name}(${fn.identityArguments})`;
  if (env.callChain.includes(id) || env.callChain.length >= MAX_DEPTH) return `${fn.schema}.${fn.name}() calls itself`;
  const body = parsedBody(fn, env.lookup.parser);
  if (body.problem) return `${fn.schema}.${fn.name}() could not be analysed: ${body.problem}`;
  const args = call.args.map((a) => evalTerm(a, env));
  const role = fn.securityDefiner ? fn.owner : env.role;
  const nearSchema = fn.searchPath?.split(',')[0]?.trim().replace(/^"|"$/g, '') || fn.schema;
  const key = `${purpose}|${fn.oid}|${role}|${env.focus.table?.oid ?? ''}|${args.map((a) => signature(a, env)).join(',')}`;
  return {
    fn,
    body,
    key,
    env: {
      lookup: env.lookup,
      frames: [[]],
      focus: env.focus,
      params: { functionName: fn.name, names: body.paramNames, values: args, columnsFirst: fn.language === 'sql' },
      role,
      inSubquery: true,
      notes: null,
      callChain: [...env.callChain, id],
      functionHints: [],
      nearSchema,
    },
  };
}

/** Memoised per function, argument shape and role; replays the role-dependence flag on a hit. */
function memo<T>(env: Env, key: string, compute: () => T): T {
  const cache = env.lookup.cache as Map<string, { value: T; consulted: boolean }>;
  const hit = cache.get(key);
  if (hit) {
    if (hit.consulted) env.lookup.consulted.value = true;
    return hit.value;
  }
  const saved = env.lookup.consulted.value;
  env.lookup.consulted.value = false;
  const value = compute();
  const consulted = env.lookup.consulted.value;
  env.lookup.consulted.value = saved || consulted;
  cache.set(key, { value, consulted });
  return value;
}

/** A helper call used as a condition: `has_role_on_account(account_id)`, `is_org_member(organization_id)`. */
export function booleanHelper(call: Extract<Expr, { kind: 'call' }>, env: Env): Verdict {
  const text = printExpr(call);
  const fn = env.lookup.func(call.name, call.args.length, env.functionHints);
  if (!fn) {
    const args = call.args.map((a) => evalTerm(a, env));
    if (args.some((a) => a.t === 'column' && a.entry === env.focus && a.column === a.entry.tenantColumn)) {
      return unknown({ kind: 'unverified', text, detail: `${call.name.join('.')}() is not in the audited schemas` });
    }
    return open({ kind: args.some((a) => a.t === 'column') ? 'unconstrained' : 'gate', text });
  }
  const prepared = prepare(fn, call, env, 'bool');
  if (typeof prepared === 'string') return unknown({ kind: 'unverified', text, detail: prepared });
  return memo(env, prepared.key, () => {
    const { body, env: inner } = prepared;
    const parts = [
      ...body.returns.map((r) => classify(r.conditions.length > 0 ? { kind: 'and', args: [...r.conditions, r.expr] } : r.expr, inner)),
      ...body.queries.map((q) => existsVerdict(q, inner)),
    ];
    return anyOf(parts);
  });
}

function combinePins(pins: (SetPin | null)[]): SetPin | null {
  if (pins.length === 0 || pins.some((p) => p === null)) return null;
  return pins.every((p) => p === pins[0]) ? pins[0]! : 'owner';
}

/**
 * A helper call used as a value: the session's tenant/user (`current_org_id()`),
 * a set pinned to the session (`get_teams_for_user()`), or null when its body
 * cannot be analysed.
 */
export function valueHelper(fn: RoutineInfo, call: Extract<Expr, { kind: 'call' }>, env: Env): Term | null {
  const prepared = prepare(fn, call, env, 'value');
  if (typeof prepared === 'string') return null;
  const text = printExpr(call);
  return memo(env, prepared.key, (): Term => {
    const { body, env: inner } = prepared;
    const values = body.returns.map((r) => evalTerm(r.expr, inner));
    const first = values[0];
    if (body.queries.length === 0 && first?.t === 'context' && values.every((v) => v.t === 'context')) {
      return { t: 'context', ctx: { ...first.ctx, text } };
    }
    const pins = [
      ...values.map((v) => (v.t === 'set' ? v.pin : v.t === 'context' && v.ctx.principal ? 'context' : null)),
      ...body.queries.map((q) => setQueryPin(q, inner)),
    ];
    const pin = combinePins(pins);
    return pin ? { t: 'set', pin, text } : { t: 'other', text, unverified: null };
  });
}

/** A set-returning helper in FROM or in `IN (SELECT helper())`. */
export function setHelperPin(call: Extract<Expr, { kind: 'call' }>, env: Env): SetPin | null {
  const fn = env.lookup.func(call.name, call.args.length, env.functionHints);
  if (!fn) return null;
  const value = valueHelper(fn, call, env);
  if (value?.t === 'set') return value.pin;
  if (value?.t === 'context') return value.ctx.principal ? 'context' : null;
  return null;
}
